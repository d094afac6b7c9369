/**
 * A task's event-time clock. Each source partition the task reads (partition p of each source
 * topic) has a watermark: the largest event time seen minus the bounded out-of-orderness, minus
 * one millisecond, as in Flink: a watermark W promises that no more records with event time ≤ W
 * are expected, so a record at W + 1 is still on time. The task's watermark is the minimum over
 * its partitions, never moves back, and is -Infinity until every partition has a record.
 *
 * Idleness is the one wall-clock rule: a partition with no records for `idleTimeoutMs` stops
 * holding the watermark back (the minimum is taken over the others; when all are idle, over all
 * of them, so their largest watermark wins), and holds it again from its next record. Pure: the
 * caller passes the wall clock in.
 */

export interface WatermarkOptions {
  /** How far out of order records may arrive, in event-time milliseconds (0: in order). */
  outOfOrdernessMs: number
  /** Wall-clock quiet time after which a partition is idle; undefined: never. */
  idleTimeoutMs?: number | undefined
}

/** What a checkpoint keeps: the task's watermark and the largest event time per source topic. */
export interface StoredWatermarks {
  /** null for -Infinity (JSON has none). */
  watermark: number | null
  maxEventTime: Record<string, number>
}

export class Watermarks {
  readonly #options: WatermarkOptions
  readonly #topics: string[]
  readonly #maxEventTime = new Map<string, number>()
  readonly #lastActive = new Map<string, number>()
  readonly #idle = new Set<string>()
  #current = Number.NEGATIVE_INFINITY

  constructor(topics: readonly string[], options: WatermarkOptions, now: number, stored?: StoredWatermarks) {
    this.#topics = [...topics]
    this.#options = options
    for (const topic of topics) {
      this.#lastActive.set(topic, now)
      const max = stored?.maxEventTime[topic]
      if (max !== undefined) this.#maxEventTime.set(topic, max)
    }
    if (stored?.watermark !== null && stored?.watermark !== undefined) this.#current = stored.watermark
  }

  get current(): number {
    return this.#current
  }

  /** A record of `topic` at `eventTime` was processed; true when the task's watermark advanced. */
  observe(topic: string, eventTime: number): boolean {
    const max = this.#maxEventTime.get(topic)
    if (max !== undefined && eventTime <= max) return false
    // A topic the task was not told about (a test's bare task) joins on its first record.
    if (max === undefined && !this.#topics.includes(topic)) this.#topics.push(topic)
    this.#maxEventTime.set(topic, eventTime)
    return this.#recompute()
  }

  /** Records of `topic` arrived at wall time `now`: the partition is active again. */
  active(topic: string, now: number): void {
    this.#lastActive.set(topic, now)
    this.#idle.delete(topic)
  }

  /** The wall clock moved to `now`: partitions quiet for the idle timeout go idle; true when the watermark advanced. */
  tick(now: number): boolean {
    const timeout = this.#options.idleTimeoutMs
    if (timeout === undefined) return false
    let changed = false
    for (const topic of this.#topics) {
      if (!this.#idle.has(topic) && now - (this.#lastActive.get(topic) ?? now) >= timeout) {
        this.#idle.add(topic)
        changed = true
      }
    }
    return changed && this.#recompute()
  }

  isIdle(topic: string): boolean {
    return this.#idle.has(topic)
  }

  stored(): StoredWatermarks {
    return {
      watermark: Number.isFinite(this.#current) ? this.#current : null,
      maxEventTime: Object.fromEntries(this.#maxEventTime),
    }
  }

  #partitionWatermark(topic: string): number {
    const max = this.#maxEventTime.get(topic)
    return max === undefined ? Number.NEGATIVE_INFINITY : max - this.#options.outOfOrdernessMs - 1
  }

  #recompute(): boolean {
    // Called per record that raises a maximum: no closures, and a partition not idle ends the check.
    let allIdle = this.#idle.size > 0
    if (allIdle) for (const topic of this.#topics) if (!this.#idle.has(topic)) allIdle = false
    let candidate = allIdle ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY
    for (const topic of this.#topics) {
      const w = this.#partitionWatermark(topic)
      if (allIdle) candidate = Math.max(candidate, w)
      else if (!this.#idle.has(topic)) candidate = Math.min(candidate, w)
    }
    if (candidate <= this.#current || candidate === Number.POSITIVE_INFINITY) return false
    this.#current = candidate
    return true
  }
}
