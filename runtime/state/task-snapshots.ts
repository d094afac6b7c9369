/**
 * What a barrier stores for each task of a slot: a full snapshot, a delta (with one bucket of
 * every entry during a spread rebase), or nothing new (runtime/state/snapshot-chain.ts decides).
 * Runs while processing is held, so it encodes only what it must: the delta is encoded once and
 * reused, and a full snapshot only for a task without a chain. `SlotChains` keeps what the slot
 * runner must remember between checkpoints: each task's stored chain and the rebase under way.
 */
import type { ChainLimits } from '../../contract/defaults.ts'
import type { StateValue } from '../api/context.ts'
import type { KeyedState } from './keyed-state.ts'
import { bucketOf, chainBytes, planTaskSnapshot, type RebaseProgress, type SnapshotChain } from './snapshot-chain.ts'
import { encodeDelta, encodeSnapshot, type StateDelta } from './snapshot-codec.ts'

/**
 * What a checkpoint stores for one task (snapshot-chain.ts): a full snapshot, a
 * delta appended to the task's chain, or the chain unchanged (nothing to upload).
 */
export type TaskSnapshot = { partition: number; offsets: Record<string, string> } & (
  | { kind: 'full'; bytes: Buffer; checksum: string }
  | {
      kind: 'delta'
      bytes: Buffer
      checksum: string
      chain: SnapshotChain
      /** During a spread rebase: the bucket of keys this delta also carries in full. */
      rebaseBucket?: number
      /** The last delta of a spread rebase: the chain restarts with the window from `windowStart`. */
      rebased?: { windowStart: number }
    }
  | { kind: 'unchanged'; chain: SnapshotChain }
)

/** What a barrier reads of a task: its partition, next offsets and keyed state. */
export interface SnapshotSource {
  readonly partition: number
  readonly offsets: ReadonlyMap<string, bigint>
  readonly state: KeyedState
}

/** A task's chain as restored from storage (recovery-plan.ts's snapshot origin has this shape). */
export interface RestoredChain {
  partition: number
  snapshot?: { key: string; checksum: string; bytes?: number } | undefined
  deltas: ReadonlyArray<{ key: string; checksum: string; bytes: number }>
  baseDeltas?: number | undefined
  /** False for a restore point's chain: it lives in an older generation, so a new chain starts. */
  extendsChain: boolean
}

export class SlotChains {
  /** Each task's stored chain, as the last checkpoint (or the restored head) names it. */
  #chains: ReadonlyMap<number, SnapshotChain> = new Map()
  /** Spread rebases under way (lost on restart: the chain stays valid, only longer). */
  #rebases: ReadonlyMap<number, RebaseProgress> = new Map()

  /** A task restored from storage: its next checkpoints extend the head's chain, never a restore point's. */
  restored(origin: RestoredChain): void {
    const { snapshot } = origin
    // A stored snapshot of unknown size cannot be weighed against its deltas: start a new chain.
    if (!origin.extendsChain || (snapshot && snapshot.bytes === undefined)) return
    const chain: SnapshotChain = {
      ...(snapshot
        ? { snapshot: { ...snapshot, bytes: snapshot.bytes ?? 0 } }
        : { baseDeltas: origin.baseDeltas ?? 0 }),
      deltas: [...origin.deltas],
    }
    this.#chains = new Map([...this.#chains, [origin.partition, chain]])
  }

  /** What the barrier stores for each task; the rebase plan moves on with it. */
  snapshot(tasks: readonly SnapshotSource[], limits?: ChainLimits): TaskSnapshot[] {
    const { snapshots, rebases } = snapshotTasks(tasks, { chains: this.#chains, rebases: this.#rebases }, limits)
    this.#rebases = rebases
    return snapshots
  }

  /** The chains a stored checkpoint names. */
  stored(chains: ReadonlyMap<number, SnapshotChain>): void {
    this.#chains = chains
  }

  /** Stored bytes the chains name: what a restore reads. */
  bytes(): number {
    let bytes = 0
    for (const chain of this.#chains.values()) bytes += chainBytes(chain)
    return bytes
  }

  /** For the restore log line: deltas per task, and the tasks whose chain starts from empty state. */
  describe(): { deltas: Record<number, number>; fromEmpty: number[] } {
    const chains = [...this.#chains]
    return {
      deltas: Object.fromEntries(chains.map(([partition, chain]) => [partition, chain.deltas.length])),
      fromEmpty: chains.filter(([, chain]) => !chain.snapshot).map(([partition]) => partition),
    }
  }
}

export function snapshotTasks(
  tasks: readonly SnapshotSource[],
  slot: { chains: ReadonlyMap<number, SnapshotChain>; rebases: ReadonlyMap<number, RebaseProgress> },
  limits?: ChainLimits,
): { snapshots: TaskSnapshot[]; rebases: Map<number, RebaseProgress> } {
  const rebases = new Map<number, RebaseProgress>()
  // One task rebases at a time: each checkpoint of a rebase then uploads one bucket of one task.
  let mayRebase = slot.rebases.size === 0
  const snapshots = tasks.map((task): TaskSnapshot => {
    const { partition } = task
    const offsets = Object.fromEntries([...task.offsets].map(([topic, offset]) => [topic, offset.toString()]))
    const chain = slot.chains.get(partition)
    // Taken at every barrier, whatever is stored: the next delta starts from this checkpoint.
    const changes = task.state.takeChanges()
    let encoded: { bytes: Buffer; checksum: string } | undefined
    const delta = () => {
      encoded ??= encodeDelta(partition, changes)
      return encoded
    }
    const plan = planTaskSnapshot({
      chain,
      rebase: slot.rebases.get(partition),
      changedKeys: changes.entries.length + changes.deleted.length,
      deltaBytes: () => delta().bytes.length,
      mayRebase,
      ...(limits ? { limits } : {}),
    })
    if (plan.kind === 'full' || !chain) {
      return { partition, offsets, kind: 'full', ...encodeSnapshot(partition, task.state.entries()) }
    }
    if (plan.kind === 'unchanged') return { partition, offsets, kind: 'unchanged', chain }
    if (plan.kind === 'delta') return { partition, offsets, kind: 'delta', ...delta(), chain }
    mayRebase = false
    if (!plan.completes) {
      rebases.set(partition, { buckets: plan.buckets, next: plan.bucket + 1, windowStart: plan.windowStart })
    }
    const rewritten = withBucket(changes, task.state.entries(), plan.bucket, plan.buckets)
    return {
      partition,
      offsets,
      kind: 'delta',
      ...encodeDelta(partition, rewritten),
      chain,
      rebaseBucket: plan.bucket,
      ...(plan.completes ? { rebased: { windowStart: plan.windowStart } } : {}),
    }
  })
  return { snapshots, rebases }
}

/** The changes plus every live entry of one bucket (current values; a changed key only once). */
function withBucket(
  changes: StateDelta,
  entries: Iterable<[string, StateValue]>,
  bucket: number,
  buckets: number,
): StateDelta {
  const written = new Map(changes.entries)
  for (const [key, value] of entries) if (bucketOf(key, buckets) === bucket) written.set(key, value)
  return { entries: [...written], deleted: changes.deleted }
}
