/**
 * Incremental checkpoints: a task's stored state is a chain, one full snapshot followed by the
 * deltas written since (snapshot-codec.ts). A checkpoint uploads only what changed, so its cost
 * follows the write rate, not the size of the state. Pure: what to write for a task at a barrier,
 * and the state a chain adds up to.
 *
 * The chain is rebased (a full snapshot written again) when it grows too long or its deltas
 * outweigh its snapshot: restore reads the whole chain, so both bound restore time and storage
 * to a small multiple of the state. A rebase costs as much as a full checkpoint, so a slot
 * rebases at most one task per checkpoint while the others wait their turn; only a chain far
 * past the bounds rebases regardless, which keeps the bound even when every task comes due at once.
 */
import type { StateValue } from '../api/context.ts'
import type { StateDelta } from './snapshot-codec.ts'

/** One stored object of a chain, as manifests name it. */
export interface SnapshotRef {
  key: string
  checksum: string
  bytes: number
}

export interface SnapshotChain {
  snapshot: SnapshotRef
  /** Oldest first; each applies on top of everything before it. */
  deltas: SnapshotRef[]
}

export interface ChainLimits {
  /** A chain of more deltas than this is due for a rebase. */
  maxDeltas: number
  /** Due too when the deltas add up to more than this many times the snapshot's bytes. */
  maxDeltaRatio: number
}

export const DEFAULT_CHAIN_LIMITS: ChainLimits = { maxDeltas: 16, maxDeltaRatio: 1 }

export type TaskSnapshotPlan =
  /** Write the whole state: no chain to extend, or the chain is due for a rebase. */
  | { kind: 'full' }
  /** Write the delta and append it to the chain. */
  | { kind: 'delta' }
  /** Nothing changed: the checkpoint names the same chain and uploads nothing for this task. */
  | { kind: 'unchanged' }

export interface TaskSnapshotInput {
  /** The chain the last checkpoint stored for this task; undefined when there is none to extend. */
  chain: SnapshotChain | undefined
  /** Keys changed since that checkpoint. */
  changedKeys: number
  /** The size of the encoded delta; asked only when a delta is possible. */
  deltaBytes: () => number
  /** False once another task of this slot rebases at this checkpoint. */
  mayRebase: boolean
  limits?: ChainLimits
}

export function planTaskSnapshot(input: TaskSnapshotInput): TaskSnapshotPlan {
  const { chain } = input
  if (!chain) return { kind: 'full' }
  if (input.changedKeys === 0) return { kind: 'unchanged' }
  const limits = input.limits ?? DEFAULT_CHAIN_LIMITS
  const deltas = chain.deltas.length + 1
  const deltaBytes = chain.deltas.reduce((sum, d) => sum + d.bytes, 0) + input.deltaBytes()
  const allowance = Math.max(chain.snapshot.bytes, 1) * limits.maxDeltaRatio
  const due = deltas > limits.maxDeltas || deltaBytes > allowance
  const overdue = deltas > 2 * limits.maxDeltas || deltaBytes > 2 * allowance
  return overdue || (due && input.mayRebase) ? { kind: 'full' } : { kind: 'delta' }
}

/** The state a chain adds up to: the snapshot's entries, then each delta's writes and deletes in order. */
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
