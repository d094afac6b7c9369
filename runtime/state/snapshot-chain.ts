/**
 * Incremental checkpoints: a task's stored state is a chain, a full snapshot (or nothing: empty
 * state) followed by the deltas written since (snapshot-codec.ts). A checkpoint uploads only what
 * changed, so its cost follows the write rate, not the size of the state. Pure: what to write for
 * a task at a barrier, and the state a chain adds up to.
 *
 * A chain that grows too long, or whose deltas outweigh its snapshot, is rebased: restore reads
 * the whole chain, so the bounds keep restore time and storage to a small multiple of the state.
 * A full snapshot would rebase it in one checkpoint, but uploading a large task's whole state
 * makes that checkpoint as slow as a full one (seconds for a 125 MB task here). So the rebase is
 * spread: the keys are split into `buckets` by a hash, and over that many checkpoints each delta
 * also carries every entry of one bucket. After the last one, the window of those deltas holds
 * every live key at its latest value (a key changed after its bucket was written is in a later
 * delta; one deleted after is deleted by a later delta), so the chain restarts from empty state
 * with the window alone and everything before it can go. Each checkpoint of the window uploads
 * about 1/buckets of the task's state.
 */
import { type ChainLimits, DEFAULT_CHAIN_LIMITS } from '../../contract/defaults.ts'
import type { StateValue } from '../api/context.ts'
import type { StateDelta } from './snapshot-codec.ts'

/** One stored object of a chain, as manifests name it. */
export interface SnapshotRef {
  key: string
  checksum: string
  bytes: number
}

export interface SnapshotChain {
  /** Absent: the chain starts from empty state (after a spread rebase). */
  snapshot?: SnapshotRef | undefined
  /** Oldest first; each applies on top of everything before it. */
  deltas: SnapshotRef[]
  /**
   * Without a snapshot: how many of the first deltas are the window of the rebase that started
   * the chain (together, the base state); the deltas after them are changes, as after a snapshot.
   */
  baseDeltas?: number | undefined
}

/** What a spread rebase uploads per checkpoint, about: the task's state divided into buckets this big. */
export const REBASE_BUCKET_BYTES = 8 * 1024 * 1024
const MAX_REBASE_BUCKETS = 64

/** A spread rebase under way: the next bucket to write, and where its window starts in the chain. */
export interface RebaseProgress {
  buckets: number
  next: number
  /** Index in the chain's deltas of the window's first delta. */
  windowStart: number
}

export type TaskSnapshotPlan =
  /** Write the whole state: there is no chain to extend. */
  | { kind: 'full' }
  /** Write the delta and append it to the chain. */
  | { kind: 'delta' }
  /**
   * Write the delta plus every entry of `bucket`; when `completes`, the chain becomes the
   * window's deltas alone (from `windowStart`, this one included).
   */
  | { kind: 'rewrite'; bucket: number; buckets: number; windowStart: number; completes: boolean }
  /** Nothing changed: the checkpoint names the same chain and uploads nothing for this task. */
  | { kind: 'unchanged' }

export interface TaskSnapshotInput {
  /** The chain the last checkpoint stored for this task; undefined when there is none to extend. */
  chain: SnapshotChain | undefined
  /** The spread rebase under way for this task, if any. */
  rebase: RebaseProgress | undefined
  /** Keys changed since that checkpoint. */
  changedKeys: number
  /** The size of the encoded delta; asked only when it decides. */
  deltaBytes: () => number
  /** False while another task of this slot rebases: one at a time keeps each checkpoint small. */
  mayRebase: boolean
  limits?: ChainLimits
}

export function planTaskSnapshot(input: TaskSnapshotInput): TaskSnapshotPlan {
  const { chain, rebase } = input
  const limits = input.limits ?? DEFAULT_CHAIN_LIMITS
  // maxDeltas 0: incremental checkpoints off, every checkpoint stores the whole state.
  if (!chain || limits.maxDeltas === 0) return { kind: 'full' }
  if (rebase) return rewrite(rebase.next, rebase.buckets, rebase.windowStart)
  if (input.changedKeys === 0) return { kind: 'unchanged' }
  const baseCount = chain.snapshot ? 0 : (chain.baseDeltas ?? 0)
  const changes = chain.deltas.slice(baseCount)
  const count = changes.length + 1
  const deltaBytes = changes.reduce((sum, d) => sum + d.bytes, 0) + input.deltaBytes()
  const base = chain.snapshot?.bytes ?? chain.deltas.slice(0, baseCount).reduce((sum, d) => sum + d.bytes, 0)
  const allowance = Math.max(base, 1) * limits.maxDeltaRatio
  const due = count > limits.maxDeltas || deltaBytes > allowance
  const overdue = count > 2 * limits.maxDeltas || deltaBytes > 2 * allowance
  if (!(overdue || (due && input.mayRebase))) return { kind: 'delta' }
  return rewrite(0, rebaseBuckets(chainBytes(chain)), chain.deltas.length)
}

function rewrite(bucket: number, buckets: number, windowStart: number): TaskSnapshotPlan {
  return { kind: 'rewrite', bucket, buckets, windowStart, completes: bucket === buckets - 1 }
}

/** Buckets of about REBASE_BUCKET_BYTES; the chain's bytes overstate the state, never understate it. */
export function rebaseBuckets(stateBytes: number): number {
  return Math.min(MAX_REBASE_BUCKETS, Math.max(1, Math.ceil(stateBytes / REBASE_BUCKET_BYTES)))
}

export function chainBytes(chain: SnapshotChain): number {
  return chain.deltas.reduce((sum, d) => sum + d.bytes, chain.snapshot?.bytes ?? 0)
}

/** The bucket of a key in a spread rebase: FNV-1a over its UTF-16 code units. */
export function bucketOf(key: string, buckets: number): number {
  let hash = 2166136261
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619)
  return (hash >>> 0) % buckets
}

/** The state a chain adds up to: the snapshot's entries, then each delta's deletes and writes in order. */
export function applyChain(
  snapshot: Iterable<[string, StateValue]>,
  deltas: Iterable<StateDelta>,
): Map<string, StateValue> {
  const state = new Map(snapshot)
  for (const delta of deltas) {
    for (const key of delta.deleted) state.delete(key)
    for (const [key, value] of delta.entries) state.set(key, value)
  }
  return state
}
