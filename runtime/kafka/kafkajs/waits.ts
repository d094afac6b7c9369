/**
 * Callers waiting until a condition holds (all acknowledged, buffer below its limit), and the
 * first failure, which rejects every wait now and later: Kafka Streams' RecordCollector keeps
 * its first send exception the same way, so a failure is never logged and dropped.
 */

interface Waiter {
  done: () => boolean
  resolve: () => void
  reject: (error: Error) => void
}

export class Waits {
  #waiters: Waiter[] = []
  #failure: Error | undefined

  /** The first failure, once there is one. */
  get failure(): Error | undefined {
    return this.#failure
  }

  /** Resolves once `done()` holds, checked now and at each `notify()`; rejects with the first failure. */
  until(done: () => boolean): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure)
    if (done()) return Promise.resolve()
    return new Promise((resolve, reject) => this.#waiters.push({ done, resolve, reject }))
  }

  /** Something changed: resolves the waits whose condition now holds. */
  notify(): void {
    const waiting = this.#waiters
    this.#waiters = []
    for (const waiter of waiting) {
      if (waiter.done()) waiter.resolve()
      else this.#waiters.push(waiter)
    }
  }

  /** Keeps the first failure and rejects every wait with it. */
  fail(error: Error): void {
    this.#failure ??= error
    const waiting = this.#waiters
    this.#waiters = []
    for (const waiter of waiting) waiter.reject(this.#failure)
  }
}
