import type { OutputRecord } from './record.ts'

/** A JSON-serializable value: what keyed state can hold (it is snapshotted as JSON). */
export type StateValue = string | number | boolean | null | StateValue[] | { [key: string]: StateValue }

/**
 * The keyed state of one task (one source partition). It survives any failure: it is restored
 * from the last checkpoint, together with the source offsets it belongs to.
 */
export interface KeyedStateView {
  get<T extends StateValue = StateValue>(key: string): T | undefined
  set(key: string, value: StateValue): void
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

/** What `process` gets besides the record. */
export interface JobContext<Config = unknown> {
  state: KeyedStateView
  /** Emits a record into the current transaction: it becomes visible when the checkpoint commits. */
  emit(record: OutputRecord): void
  /** The StreamJob's `spec.job.config`. */
  readonly config: Config
  readonly task: TaskInfo
}
