/**
 * The keyed state of one task. Values must be JSON-serializable because snapshots store them as
 * JSON; obviously wrong values are refused at `set`, where the stack trace points at the job.
 */
import type { KeyedStateView, StateValue } from '../api/context.ts'
import type { StateDelta } from './snapshot-codec.ts'

const ABSENT = Symbol('absent')

export class KeyedState implements KeyedStateView {
  readonly #entries: Map<string, StateValue>
  /** Previous values of keys written since `beginRecord`, so a failed record can be undone. */
  #undo: Array<[string, StateValue | typeof ABSENT]> | undefined
  /** Keys written or deleted since the last `takeChanges`, for incremental checkpoints. */
  #changed = new Set<string>()

  constructor(entries?: Iterable<readonly [string, StateValue]>) {
    this.#entries = new Map(entries)
  }

  get<T extends StateValue = StateValue>(key: string): T | undefined {
    return this.#entries.get(key) as T | undefined
  }

  set(key: string, value: StateValue): void {
    if (typeof key !== 'string') throw new TypeError(`Cannot set state: keys are strings, got ${typeof key}`)
    const kind = typeof value
    if (value === undefined || kind === 'function' || kind === 'symbol' || kind === 'bigint') {
      throw new TypeError(
        `Cannot set state "${key}": a ${value === undefined ? 'undefined' : kind} value is not JSON-serializable; use delete() to remove a key`,
      )
    }
    if (kind === 'number' && !Number.isFinite(value)) {
      throw new TypeError(
        `Cannot set state "${key}": ${value} does not survive a snapshot (JSON has no NaN or Infinity)`,
      )
    }
    this.#remember(key)
    this.#entries.set(key, value)
  }

  delete(key: string): boolean {
    this.#remember(key)
    return this.#entries.delete(key)
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
    for (let i = undo.length - 1; i >= 0; i--) {
      const [key, previous] = undo[i]!
      if (previous === ABSENT) this.#entries.delete(key)
      else this.#entries.set(key, previous)
    }
    this.#undo = undefined
  }

  #remember(key: string): void {
    this.#changed.add(key)
    if (this.#undo) this.#undo.push([key, this.#entries.has(key) ? this.#entries.get(key)! : ABSENT])
  }

  has(key: string): boolean {
    return this.#entries.has(key)
  }

  get size(): number {
    return this.#entries.size
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

  /** The entries, for snapshotting. Callers must encode them before the task processes more records. */
  entries(): IterableIterator<[string, StateValue]> {
    return this.#entries.entries()
  }
}
