/**
 * Wall-clock time as a parameter (kubebuilder's CronJob reconciler and Kafka Streams' `Time` do
 * the same): the controller, its queue and leader election read "now" only through a Clock, so a
 * test can hold time still or move it on. Only the wiring edge (main.ts) picks `systemClock`.
 * Durations measured for metrics use performance.now() instead: they need a monotonic timer, not
 * the time of day.
 */
export interface Clock {
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }
