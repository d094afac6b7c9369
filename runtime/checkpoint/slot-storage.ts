/**
 * The port of checkpoint storage: what a slot needs from it, and no more. `CheckpointStore`
 * (runtime/checkpoint/checkpoint-store.ts) implements it over an ObjectStore; keeping it narrow
 * keeps the runner's protocol readable: claim, read, store a checkpoint, mark its commit done.
 */
import type { StateValue } from '../api/context.ts'
import type { ProducerIdentity } from '../kafka/kafka-client.ts'
import type { SnapshotChain } from '../state/snapshot-chain.ts'
import type { TaskSnapshot } from '../state/task-snapshots.ts'
import type { ManifestTask } from './manifest.ts'

/** One task as a manifest, restore point or savepoint stores it: offsets and its state chain. */
export interface StoredTask {
  partition: number
  offsets: Record<string, string>
  /** `bytes`: the snapshot's size, as manifests record it. Absent: the chain starts from empty state. */
  snapshot?: { key: string; checksum: string; bytes?: number } | undefined
  /** Deltas on top of the snapshot, oldest first (incremental checkpoints). */
  deltas?: ReadonlyArray<{ key: string; checksum: string; bytes: number }> | undefined
  /** Without a snapshot: how many first deltas are the base (runtime/state/snapshot-chain.ts). */
  baseDeltas?: number | undefined
}

export interface ClaimedHead {
  checkpointId: number | null
  /** The head checkpoint's tasks and committable; absent when checkpointId is null. */
  tasks?: StoredTask[]
  committable?: ProducerIdentity | null
  committableDone: boolean
}

export interface CheckpointToStore {
  checkpointId: number
  snapshots: TaskSnapshot[]
  committable: ProducerIdentity | null
  recordsIn: number
  recordsOut: number
}

export interface StoredCheckpoint {
  checkpointId: number
  /** Bytes uploaded by this checkpoint (deltas and snapshots written now, not the chains' totals). */
  bytes: number
  chains: Map<number, SnapshotChain>
  /** The tasks as the manifest names them: what a savepoint taken while running copies. */
  tasks: ManifestTask[]
}

export interface SlotStorage {
  /** Claims the slot's head for this attempt; a newer attempt's head makes it throw SupersededError. */
  claimHead(pool: readonly string[]): Promise<ClaimedHead>
  readRestorePoint(): Promise<{ tasks: StoredTask[] } | undefined>
  /** Reads a task's chain, checking every object's checksum, and adds it up to its state. */
  readState(stored: Pick<StoredTask, 'snapshot' | 'deltas'>): Promise<Map<string, StateValue>>
  /**
   * Uploads the snapshots and deltas, writes the manifest once and moves the head by CAS.
   * Returns the bytes uploaded and each task's chain as the manifest names it.
   */
  storeCheckpoint(checkpoint: CheckpointToStore): Promise<StoredCheckpoint>
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
