/**
 * A work queue of StreamJob keys with controller-runtime's semantics: a key is queued at most
 * once and processed by one worker at a time (a change during processing re-queues it once);
 * a thrown error retries it with per-key exponential backoff; a `requeueAfterMs` result looks
 * again at that time; success forgets the backoff. Loop hygiene lives here: a reconcile id per
 * pass, errors caught and counted, durations measured: the pass (handler) and, apart from it, the
 * time a key waited in the queue, so a slow pass and a long queue are told apart.
 */
import type { Logger } from 'pino'
import type { Clock } from '../clock.ts'

export interface ReconcileResult {
  requeueAfterMs?: number | undefined
}

/** A spec retrying cannot fix: logged and counted, not retried until the object changes. */
export class TerminalError extends Error {
  override name = 'TerminalError'
  readonly code = 'EXACTLY_TERMINAL'
}

export interface QueueHooks {
  /** A pass starts after the key waited `seconds` in the queue (since it was added or re-added). */
  onStart?(waitSeconds: number): void
  onResult?(result: 'success' | 'error' | 'requeue_after' | 'terminal', seconds: number): void
}

const BASE_DELAY_MS = 5
const MAX_DELAY_MS = 300_000

/** PURE: the retry delay after `failures` failures in a row. */
export function retryDelayMs(failures: number): number {
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(failures, 30))
}

export class ReconcileQueue {
  readonly #handler: (key: string, reconcileId: string) => Promise<ReconcileResult>
  readonly #log: Logger
  readonly #clock: Clock
  readonly #hooks: QueueHooks
  readonly #concurrency: number
  readonly #queue: string[] = []
  /** Queued keys, with when each was queued (performance.now()). */
  readonly #queued = new Map<string, number>()
  readonly #processing = new Set<string>()
  readonly #dirty = new Set<string>()
  readonly #failures = new Map<string, number>()
  readonly #timers = new Map<string, { at: number; timer: ReturnType<typeof setTimeout> }>()
  #running = 0
  #stopped = false
  #held: boolean
  #seq = 0

  constructor(o: {
    handler: (key: string, reconcileId: string) => Promise<ReconcileResult>
    log: Logger
    /** When a delayed key is due (addAfter); pass durations are measured with performance.now(). */
    clock: Clock
    concurrency?: number
    hooks?: QueueHooks
    /** Queue keys but run no pass until `release()`: a controller's caches are not filled yet. */
    held?: boolean
  }) {
    this.#held = o.held ?? false
    this.#handler = o.handler
    this.#log = o.log
    this.#clock = o.clock
    this.#concurrency = o.concurrency ?? 4
    this.#hooks = o.hooks ?? {}
  }

  add(key: string): void {
    if (this.#stopped) return
    if (this.#processing.has(key)) {
      this.#dirty.add(key)
      return
    }
    if (this.#queued.has(key)) return
    this.#queued.set(key, performance.now())
    this.#queue.push(key)
    this.#drain()
  }

  /** Adds `key` after `ms`; an earlier pending time wins. */
  addAfter(key: string, ms: number): void {
    if (this.#stopped) return
    const at = this.#clock.now() + ms
    const pending = this.#timers.get(key)
    if (pending && pending.at <= at) return
    if (pending) clearTimeout(pending.timer)
    const timer = setTimeout(() => {
      this.#timers.delete(key)
      this.add(key)
    }, ms)
    this.#timers.set(key, { at, timer })
  }

  /** Starts the passes of a queue created `held`, beginning with every key queued meanwhile. */
  release(): void {
    this.#held = false
    this.#drain()
  }

  get length(): number {
    return this.#queue.length
  }

  stop(): void {
    this.#stopped = true
    for (const { timer } of this.#timers.values()) clearTimeout(timer)
    this.#timers.clear()
  }

  #drain(): void {
    while (!this.#held && this.#running < this.#concurrency && this.#queue.length > 0) {
      const key = this.#queue.shift()!
      const queuedAt = this.#queued.get(key) ?? performance.now()
      this.#queued.delete(key)
      this.#hooks.onStart?.((performance.now() - queuedAt) / 1000)
      this.#processing.add(key)
      this.#running++
      void this.#process(key).finally(() => {
        this.#running--
        this.#processing.delete(key)
        if (this.#dirty.delete(key)) this.add(key)
        this.#drain()
      })
    }
  }

  async #process(key: string): Promise<void> {
    const reconcileId = `r${++this.#seq}`
    const started = performance.now()
    const seconds = () => (performance.now() - started) / 1000
    try {
      const result = await this.#handler(key, reconcileId)
      this.#failures.delete(key)
      if (result.requeueAfterMs !== undefined) {
        this.addAfter(key, result.requeueAfterMs)
        this.#hooks.onResult?.('requeue_after', seconds())
      } else this.#hooks.onResult?.('success', seconds())
    } catch (error) {
      if (error instanceof TerminalError) {
        this.#log.error({ key, reconcileId, err: error }, 'reconcile failed for good')
        this.#hooks.onResult?.('terminal', seconds())
        return
      }
      const failures = (this.#failures.get(key) ?? 0) + 1
      this.#failures.set(key, failures)
      const delay = retryDelayMs(failures)
      this.#log.warn({ key, reconcileId, err: error, retryInMs: delay }, 'reconcile failed; retrying')
      this.#hooks.onResult?.('error', seconds())
      this.addAfter(key, delay)
    }
  }
}
