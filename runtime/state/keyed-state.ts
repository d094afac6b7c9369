/**
 * The keyed state of one task. Values must be JSON-serializable because snapshots store them as
 * JSON; obviously wrong values are refused at `set`, where the stack trace points at the job.
 *
 * Besides the job's entries it holds the runtime's own (timers, watermarks, time-to-live), under
 * keys that begin with U+0000, which jobs may not use: they are snapshotted, journaled, rolled
 * back, sent in deltas and moved on rescale exactly as the job's entries are, so timers and
 * expiry need no format of their own (snapshot format v2 marks that such keys are the runtime's).
 *
 * Time to live: `set(key, value, { ttl })` records when the entry expires (event time: the
 * writing record's event time plus ttl, reached when the watermark passes it; processing time:
 * the wall clock). An expired entry reads as absent at once; `expire()` deletes the entries that
 * fell due, earliest first, from a queue: no scan of all state.
 */
import { parseDuration } from '../../contract/duration.ts'
import type { KeyedStateView, SetOptions, StateValue } from '../api/context.ts'
import { TimerQueue } from '../time/timer-queue.ts'
import type { StateDelta } from './snapshot-codec.ts'

const ABSENT = Symbol('absent')
/** Keys beginning with this belong to the runtime. */
export const RUNTIME_KEY = '\u0000'
const TTL_KEY = '\u0000ttl\u0000'

/** What time-to-live reads the time from: the task's clocks. */
export interface StateClock {
  /** The event time of the record (or timer) being processed. */
  eventTime(): number
  watermark(): number
  now(): number
}

const NO_CLOCK: StateClock = { eventTime: () => 0, watermark: () => Number.NEGATIVE_INFINITY, now: Date.now }

type Expiry = [expiresAt: number, time: 'event' | 'processing']

export class KeyedState implements KeyedStateView {
  readonly #entries: Map<string, StateValue>
  #runtimeKeys = 0
  /** Previous values of keys written since `beginRecord`, so a failed record can be undone. */
  #undo: Array<[string, StateValue | typeof ABSENT]> | undefined
  /** Keys written or deleted since the last `takeChanges`, for incremental checkpoints. */
  #changed = new Set<string>()
  #clock: StateClock = NO_CLOCK
  /** Entries with a time to live, by expiry; stale queue entries are skipped when popped. */
  readonly #expiring = { event: new TimerQueue(), processing: new TimerQueue() }
  #hasTtl = false

  constructor(entries?: Iterable<readonly [string, StateValue]>) {
    this.#entries = new Map(entries)
    for (const [key, value] of this.#entries) {
      if (!key.startsWith(RUNTIME_KEY)) continue
      this.#runtimeKeys++
      if (key.startsWith(TTL_KEY)) this.#queueExpiry(key.slice(TTL_KEY.length), value as Expiry)
    }
  }

  useClock(clock: StateClock): void {
    this.#clock = clock
  }

  get<T extends StateValue = StateValue>(key: string): T | undefined {
    if (this.#hasTtl && this.#expired(key)) return undefined
    return this.#entries.get(key) as T | undefined
  }

  has(key: string): boolean {
    if (this.#hasTtl && this.#expired(key)) return false
    return this.#entries.has(key)
  }

  set(key: string, value: StateValue, options?: SetOptions): void {
    if (typeof key !== 'string') throw new TypeError(`Cannot set state: keys are strings, got ${typeof key}`)
    if (key.charCodeAt(0) === 0) {
      throw new RangeError(
        `Cannot set state ${JSON.stringify(key)}: keys beginning with U+0000 belong to the runtime (timers, watermarks, time-to-live); choose another key`,
      )
    }
    checkValue(key, value)
    this.#write(key, value)
    if (options?.ttl !== undefined) this.#setExpiry(key, options)
    else if (this.#hasTtl && this.#entries.has(TTL_KEY + key)) this.#write(TTL_KEY + key, ABSENT)
  }

  delete(key: string): boolean {
    const existed = this.has(key)
    this.#write(key, ABSENT)
    if (this.#hasTtl && this.#entries.has(TTL_KEY + key)) this.#write(TTL_KEY + key, ABSENT)
    return existed
  }

  /** The job's entries, not the runtime's. Expired entries not yet deleted by `expire` count. */
  get size(): number {
    return this.#entries.size - this.#runtimeKeys
  }

  /** A runtime entry by its full key, which begins with RUNTIME_KEY (built once by the caller: no concatenation here). */
  getRuntime<T extends StateValue>(key: string): T | undefined {
    return this.#entries.get(runtimeKey(key)) as T | undefined
  }

  setRuntime(key: string, value: StateValue): void {
    this.#write(runtimeKey(key), value)
  }

  deleteRuntime(key: string): boolean {
    if (!this.#entries.has(runtimeKey(key))) return false
    this.#write(key, ABSENT)
    return true
  }

  /** The runtime's entries whose full key starts with `prefix`: for rebuilding queues on restore. */
  *runtimeEntries(prefix: string): Generator<[string, StateValue]> {
    if (this.#runtimeKeys === 0) return
    for (const entry of this.#entries) if (entry[0].startsWith(runtimeKey(prefix))) yield entry
  }

  /** Deletes the entries whose time to live ran out by `watermark` and `now`; returns how many. */
  expire(watermark: number, now: number): number {
    if (!this.#hasTtl) return 0
    let expired = 0
    for (const [queue, upTo] of [
      [this.#expiring.event, watermark],
      [this.#expiring.processing, now],
    ] as const) {
      for (let due = queue.popDue(upTo); due; due = queue.popDue(upTo)) {
        const expiry = this.#entries.get(TTL_KEY + due.key) as Expiry | undefined
        if (expiry?.[0] !== due.time) continue
        this.#write(due.key, ABSENT)
        this.#write(TTL_KEY + due.key, ABSENT)
        expired++
      }
    }
    return expired
  }

  /** Starts journaling writes so that `rollbackRecord` can undo them (for the dead-letter policy). */
  beginRecord(): void {
    this.#undo = []
  }

  commitRecord(): void {
    this.#undo = undefined
  }

  /** Undoes the writes of the record that failed, newest first. */
  rollbackRecord(): void {
    const undo = this.#undo ?? []
    this.#undo = undefined
    for (let i = undo.length - 1; i >= 0; i--) {
      const [key, previous] = undo[i]!
      this.#write(key, previous)
    }
  }

  /**
   * What changed since the previous call: current values of the keys written, and the keys now
   * absent. A key written back to its old value still counts (cheaper than comparing), and so does
   * one whose write was rolled back. Values are shared, not copied: callers must encode them
   * before the task processes more records, as with `entries`.
   */
  takeChanges(): StateDelta {
    const delta: StateDelta = { entries: [], deleted: [] }
    for (const key of this.#changed) {
      if (this.#entries.has(key)) delta.entries.push([key, this.#entries.get(key)!])
      else delta.deleted.push(key)
    }
    this.#changed = new Set()
    return delta
  }

  /** All entries, the runtime's included, for snapshotting. Callers must encode them before the task processes more records. */
  entries(): IterableIterator<[string, StateValue]> {
    return this.#entries.entries()
  }

  /** The job's entries only: what a test or a person inspecting state means by "the state". */
  *jobEntries(): Generator<[string, StateValue]> {
    for (const entry of this.#entries) if (!entry[0].startsWith(RUNTIME_KEY)) yield entry
  }

  /** Every write goes through here: journal, change set, runtime key count. */
  #write(key: string, value: StateValue | typeof ABSENT): void {
    this.#changed.add(key)
    const runtime = key.charCodeAt(0) === 0
    if (this.#undo || runtime) {
      const had = this.#entries.has(key)
      if (this.#undo) this.#undo.push([key, had ? this.#entries.get(key)! : ABSENT])
      if (runtime && had !== (value !== ABSENT)) this.#runtimeKeys += had ? -1 : 1
    }
    if (value === ABSENT) this.#entries.delete(key)
    else this.#entries.set(key, value)
    if (runtime && value !== ABSENT && key.startsWith(TTL_KEY)) {
      this.#queueExpiry(key.slice(TTL_KEY.length), value as Expiry)
    }
  }

  #setExpiry(key: string, options: SetOptions): void {
    const time = options.time ?? 'event'
    if (time !== 'event' && time !== 'processing') {
      throw new RangeError(`Cannot set state "${key}": ttl time must be "event" or "processing", got ${String(time)}`)
    }
    const ttl = typeof options.ttl === 'string' ? parseDuration(options.ttl, `ttl of state "${key}"`) : options.ttl
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
      throw new RangeError(`Cannot set state "${key}": ttl must be a positive duration such as 10m, got ${String(ttl)}`)
    }
    const base = time === 'event' ? this.#clock.eventTime() : this.#clock.now()
    this.#write(TTL_KEY + key, [base + ttl, time])
  }

  #queueExpiry(key: string, [expiresAt, time]: Expiry): void {
    this.#hasTtl = true
    this.#expiring[time].push(expiresAt, key)
  }

  #expired(key: string): boolean {
    const expiry = this.#entries.get(TTL_KEY + key) as Expiry | undefined
    if (!expiry) return false
    return expiry[0] <= (expiry[1] === 'event' ? this.#clock.watermark() : this.#clock.now())
  }
}

function runtimeKey(key: string): string {
  if (key.charCodeAt(0) !== 0) throw new RangeError(`A runtime key begins with U+0000: ${JSON.stringify(key)}`)
  return key
}

function checkValue(key: string, value: StateValue): void {
  const kind = typeof value
  if (value === undefined || kind === 'function' || kind === 'symbol' || kind === 'bigint') {
    throw new TypeError(
      `Cannot set state "${key}": a ${value === undefined ? 'undefined' : kind} value is not JSON-serializable; use delete() to remove a key`,
    )
  }
  if (kind === 'number' && !Number.isFinite(value)) {
    throw new TypeError(`Cannot set state "${key}": ${value} does not survive a snapshot (JSON has no NaN or Infinity)`)
  }
}
