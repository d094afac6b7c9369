/**
 * A task's time: its watermarks (runtime/time/watermarks.ts) and its timers. Timers are entries
 * of the task's keyed state (runtime keys `\0t\0e\0<time>\0<key>` and `\0t\0p\0…`), so checkpoints,
 * deltas, the dead-letter journal and rescaling carry them like any state; two queues, rebuilt
 * from state on restore, say which is due next. A queue entry whose state entry is gone (deleted,
 * fired, rolled back) is skipped when it comes up: deleting never searches a queue.
 */
import { durationToMs } from '../../contract/duration.ts'
import type { Duration, StateValue, Timers } from '../api/context.ts'
import type { TimeOptions, Timer } from '../api/define-job.ts'
import { type KeyedState, RUNTIME_KEY } from '../state/keyed-state.ts'
import { TimerQueue } from '../time/timer-queue.ts'
import { type StoredWatermarks, Watermarks } from '../time/watermarks.ts'

const TIMER = `${RUNTIME_KEY}t\u0000`
const WATERMARKS = `${RUNTIME_KEY}wm`
type Domain = Timer['domain']
const DOMAIN_CODE: Record<Domain, string> = { event: 'e', processing: 'p' }

export class TaskTime {
  readonly watermarks: Watermarks
  /** Event time of the record or timer being processed: what `ctx.timestamp` and event-time TTL read. */
  eventTime = 0
  readonly timers: Timers
  readonly #state: KeyedState
  readonly #queues: Record<Domain, TimerQueue> = { event: new TimerQueue(), processing: new TimerQueue() }
  readonly #now: () => number
  #storedWatermark: string | undefined

  constructor(state: KeyedState, topics: readonly string[], options: TimeOptions | undefined, now: () => number) {
    this.#state = state
    this.#now = now
    const stored = state.getRuntime<StoredWatermarks & StateValue>(WATERMARKS)
    this.#storedWatermark = stored === undefined ? undefined : JSON.stringify(stored)
    this.watermarks = new Watermarks(
      topics,
      {
        outOfOrdernessMs: optionalMs(options?.maxOutOfOrderness, 'time.maxOutOfOrderness') ?? 0,
        idleTimeoutMs: optionalMs(options?.idleTimeout, 'time.idleTimeout'),
      },
      now(),
      stored,
    )
    for (const [, value] of state.runtimeEntries(TIMER)) {
      const [code, time, key] = value as [string, number, string]
      this.#queues[code === 'e' ? 'event' : 'processing'].push(time, key)
    }
    state.useClock({ eventTime: () => this.eventTime, watermark: () => this.watermarks.current, now })
    this.timers = {
      registerEventTime: (key, time) => this.#register('event', key, time),
      registerProcessingTime: (key, time) => this.#register('processing', key, time),
      deleteEventTime: (key, time) => this.#state.deleteRuntime(timerKey('event', key, time)),
      deleteProcessingTime: (key, time) => this.#state.deleteRuntime(timerKey('processing', key, time)),
      currentProcessingTime: now,
    }
  }

  /** The next timer of `domain` due at `upTo`, removed from state; undefined when none is. */
  nextDue(domain: Domain, upTo: number): Timer | undefined {
    const queue = this.#queues[domain]
    if (queue.nextTime() > upTo) return undefined
    for (let due = queue.popDue(upTo); due; due = queue.popDue(upTo)) {
      if (this.#state.deleteRuntime(timerKey(domain, due.key, due.time))) return { ...due, domain }
    }
    return undefined
  }

  now(): number {
    return this.#now()
  }

  /** Writes the watermarks into state if they moved: called before each snapshot, not per record. */
  flush(): void {
    const stored = this.watermarks.stored()
    const text = JSON.stringify(stored)
    if (text === this.#storedWatermark) return
    this.#state.setRuntime(WATERMARKS, stored as unknown as StateValue)
    this.#storedWatermark = text
  }

  #register(domain: Domain, key: string, time: number): void {
    if (typeof key !== 'string') throw new TypeError(`Cannot register a timer: keys are strings, got ${typeof key}`)
    if (!Number.isFinite(time))
      throw new RangeError(`Cannot register a timer for "${key}": time must be a finite number of ms, got ${time}`)
    const entry = timerKey(domain, key, time)
    if (this.#state.getRuntime(entry) !== undefined) return
    this.#state.setRuntime(entry, [DOMAIN_CODE[domain], time, key])
    this.#queues[domain].push(time, key)
  }
}

function timerKey(domain: Domain, key: string, time: number): string {
  return `${TIMER}${DOMAIN_CODE[domain]}\u0000${time}\u0000${key}`
}

function optionalMs(value: Duration | undefined, field: string): number | undefined {
  return value === undefined ? undefined : durationToMs(value, field)
}
