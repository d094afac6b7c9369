/**
 * What a barrier stores for each task of a slot: a full snapshot, a delta, or nothing new
 * (runtime/state/snapshot-chain.ts decides). Runs while processing is held, so it encodes only
 * what it must: the delta is encoded once and reused, and a full snapshot is encoded only when
 * the plan says so.
 */
import { type ChainLimits, planTaskSnapshot, type SnapshotChain } from '../state/snapshot-chain.ts'
import { encodeDelta, encodeSnapshot } from '../state/snapshot-codec.ts'
import type { Task } from '../task/task.ts'
import type { TaskSnapshot } from './slot-storage.ts'

export function snapshotTasks(
  tasks: readonly Task[],
  chains: ReadonlyMap<number, SnapshotChain>,
  limits?: ChainLimits,
): TaskSnapshot[] {
  // One rebase per checkpoint: rebasing costs a full snapshot, and the others can wait a checkpoint.
  let mayRebase = true
  return tasks.map((task): TaskSnapshot => {
    const { partition } = task
    const offsets = Object.fromEntries([...task.offsets].map(([topic, offset]) => [topic, offset.toString()]))
    const chain = chains.get(partition)
    // Taken at every barrier, whatever is stored: the next delta starts from this checkpoint.
    const changes = task.state.takeChanges()
    let delta: { bytes: Buffer; checksum: string } | undefined
    const plan = planTaskSnapshot({
      chain,
      changedKeys: changes.entries.length + changes.deleted.length,
      deltaBytes: () => (delta ??= encodeDelta(partition, changes)).bytes.length,
      mayRebase,
      ...(limits ? { limits } : {}),
    })
    if (plan.kind === 'full' || !chain) {
      if (chain) mayRebase = false
      return { partition, offsets, kind: 'full', ...encodeSnapshot(partition, task.state.entries()) }
    }
    if (plan.kind === 'unchanged') return { partition, offsets, kind: 'unchanged', chain }
    delta ??= encodeDelta(partition, changes)
    return { partition, offsets, kind: 'delta', ...delta, chain }
  })
}
