/**
 * What the slot runner needs from checkpoint storage, and no more. `CheckpointStore`
 * (runtime/checkpoint/checkpoint-store.ts) implements it over an ObjectStore; keeping it narrow
 * keeps the runner's protocol readable: claim, read, store a checkpoint, mark its commit done.
 */
import type { StateValue } from '../api/context.ts'
import type { ProducerIdentity } from '../kafka/kafka-client.ts'
import type { StoredTask } from '../recovery/recovery-plan.ts'

export interface ClaimedHead {
  checkpointId: number | null
  /** The head checkpoint's tasks and committable; absent when checkpointId is null. */
  tasks?: StoredTask[]
  committable?: ProducerIdentity | null
  committableDone: boolean
}

export interface EncodedSnapshot {
  partition: number
  bytes: Buffer
  checksum: string
  offsets: Record<string, string>
}

export interface CheckpointToStore {
  checkpointId: number
  snapshots: EncodedSnapshot[]
  committable: ProducerIdentity | null
  recordsIn: number
  recordsOut: number
}

export interface SlotStorage {
  /** Claims the slot's head for this attempt; a newer attempt's head makes it throw SupersededError. */
  claimHead(pool: readonly string[]): Promise<ClaimedHead>
  readRestorePoint(): Promise<{ tasks: StoredTask[] } | undefined>
  readSnapshot(key: string, checksum: string): Promise<Iterable<[string, StateValue]>>
  /** Uploads the snapshots, writes the manifest once and moves the head by CAS. Returns the id it was stored under. */
  storeCheckpoint(checkpoint: CheckpointToStore): Promise<{ checkpointId: number; bytes: number }>
  markCommittableDone(checkpointId: number): Promise<void>
  /**
   * Throws SupersededError when a newer attempt has claimed the head. Called before this worker
   * re-initializes a pooled transactional id (which would fence the newer attempt's open
   * transaction) and before it calls an unanswerable commit an alarm.
   */
  assertOwner(): Promise<void>
  /** Deletes checkpoints beyond `checkpoint.retained`; best effort. */
  applyRetention(): Promise<void>
}

/** A newer attempt owns the slot: this worker is a zombie and must exit at once. */
export class SupersededError extends Error {
  override name = 'SupersededError'
  readonly code = 'EXACTLY_SUPERSEDED'
}
