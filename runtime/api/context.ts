import type { OutputRecord } from './record.ts'

/** A JSON-serializable value: what keyed state can hold (it is snapshotted as JSON). */
export type StateValue = string | number | boolean | null | StateValue[] | { [key: string]: StateValue }

/** A duration in milliseconds, or as text such as `500ms`, `10s`, `15m`, `1h`. */
export type Duration = number | string

export interface SetOptions {
  /**
   * Time to live: the entry reads as absent once this much time has passed since this write,
   * and the runtime deletes it (counted in `exactly_state_expired_total`), without scanning state.
   */
  ttl: Duration
  /**
   * `event` (default): measured from the writing record's event time, expired when the watermark
   * passes it: deterministic, replays the same after a crash. `processing`: the wall clock.
   */
  time?: 'event' | 'processing'
}

/**
 * The keyed state of one task (one source partition). It survives any failure: it is restored
 * from the last checkpoint, together with the source offsets it belongs to. Keys beginning with
 * U+0000 are the runtime's.
 */
export interface KeyedStateView {
  get<T extends StateValue = StateValue>(key: string): T | undefined
  set(key: string, value: StateValue, options?: SetOptions): void
  delete(key: string): boolean
  has(key: string): boolean
  readonly size: number
}

export interface TaskInfo {
  /** The source partition this task owns (of every source topic). */
  partition: number
  /** The worker slot running the task. */
  slot: number
}

/**
 * Timers of this task, per (key, time): registering the same pair twice is one timer. They are
 * task state: checkpointed, restored and moved with the task, and in effect they fire once:
 * what `onTimer` emits commits with the checkpoint it fired in, and a replay fires them again
 * only where the aborted attempt's output was discarded.
 */
export interface Timers {
  /** Calls `onTimer` once the watermark reaches `time` (time ≤ watermark), in (time, key) order. */
  registerEventTime(key: string, time: number): void
  /** Calls `onTimer` once the wall clock reaches `time`; one that fell due while the job was down fires after restore. */
  registerProcessingTime(key: string, time: number): void
  deleteEventTime(key: string, time: number): boolean
  deleteProcessingTime(key: string, time: number): boolean
  /** The wall clock, in milliseconds since the epoch (not replayed the same after a crash). */
  currentProcessingTime(): number
}

/** What `process` and `onTimer` get besides the record or timer. */
export interface JobContext<Config = unknown> {
  state: KeyedStateView
  /** Emits a record into the current transaction: it becomes visible when the checkpoint commits. */
  emit(record: OutputRecord): void
  /** The StreamJob's `spec.job.config`. */
  readonly config: Config
  readonly task: TaskInfo
  /** Event time of the record being processed (its Kafka timestamp or the job's `time.timestamp`), or the firing timer's time. */
  readonly timestamp: number
  /**
   * The task's watermark: no more records with event time ≤ it are expected (-Infinity until
   * every source partition of the task has a record). A record at or below it is late.
   */
  readonly watermark: number
  readonly timers: Timers
  /** Drops the record being processed on purpose, counted in `exactly_records_dropped_total{reason}` (a short, fixed word). */
  drop(reason: string): void
  /** Sends the record being processed to the dead-letter topic with `reason` (needs `spec.job.onError: dead-letter`). */
  deadLetter(reason: string): void
}
