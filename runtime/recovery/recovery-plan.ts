/**
 * What a starting slot must do before it processes anything (DESIGN section 5), decided from
 * what it found in storage. Pure: `recover.ts` carries the steps out in order.
 *
 *   claim head ─▶ commit the head's committable ─▶ mark it done ─▶ fence the pool
 *     ─▶ close hanging transactions ─▶ restore ─▶ run
 *
 * Order matters. Committing before fencing: fencing bumps the epoch of the committable's
 * transactional id, and a commit after that is refused as "fenced" — the data the manifest
 * already counts as done would be lost. Marking before fencing: if this attempt dies after
 * fencing, the next one must not try that commit again (it would be answered "fenced" although
 * it succeeded), so the head records that the committable is done. Closing hanging transactions
 * after fencing: only then has the coordinator finished everything of the pool it still tracks,
 * so what stays open on the output partitions is what it forgot (hanging-transactions.ts).
 */
import type { ClaimedHead, StoredTask } from '../checkpoint/slot-storage.ts'
import type { ProducerIdentity } from '../kafka/kafka-client.ts'

/** Where one task's state and offsets come from. */
export type TaskOrigin =
  /**
   * The stored state of this slot's head checkpoint, or of a restore point or savepoint: a
   * snapshot and the deltas on top of it. `extendsChain`: the head's chain, which the slot's next
   * checkpoints may extend with deltas; a restore point's chain lives in an older generation
   * that no retention of this one protects, so the new generation starts its own with a snapshot.
   */
  | {
      kind: 'snapshot'
      partition: number
      snapshot?: { key: string; checksum: string; bytes?: number } | undefined
      deltas: ReadonlyArray<{ key: string; checksum: string; bytes: number }>
      baseDeltas?: number | undefined
      offsets: Record<string, string>
      extendsChain: boolean
    }
  /** Nothing stored yet: empty state, offsets from `kafka.source.startFrom`. */
  | { kind: 'fresh'; partition: number; startFrom: 'earliest' | 'latest' }

export interface RecoveryInput {
  /** The tasks this slot owns now. */
  partitions: readonly number[]
  /** The claimed head's checkpoint, if the slot has completed one in this generation. */
  headCheckpoint?: {
    checkpointId: number
    tasks: readonly StoredTask[]
    committable: ProducerIdentity | null
    committableDone: boolean
  }
  /** Where a new generation starts: a restore point (rescale, upgrade) or a savepoint (`restoreFrom`). */
  restorePoint?: { tasks: readonly StoredTask[] }
  startFrom: 'earliest' | 'latest'
  /** The slot's transactional-id pool. */
  pool: readonly string[]
}

export type RecoveryStep =
  | { kind: 'commit'; committable: ProducerIdentity; checkpointId: number }
  | { kind: 'markCommittableDone'; checkpointId: number }
  | { kind: 'fence'; transactionalIds: readonly string[] }
  /** `promised`: committables known to be committed; their hanging remains get COMMIT markers. */
  | { kind: 'closeHanging'; promised: readonly ProducerIdentity[] }
  | { kind: 'restore'; tasks: readonly TaskOrigin[] }

export interface RecoveryPlan {
  steps: RecoveryStep[]
  /** The id of the first checkpoint this attempt will take. */
  nextCheckpointId: number
}

/** A stored checkpoint lacks a task this slot owns: restoring would silently drop its state. */
export class RestoreMismatchError extends Error {
  override name = 'RestoreMismatchError'
  readonly code = 'EXACTLY_RESTORE_MISMATCH'
}

export function planRecovery(input: RecoveryInput): RecoveryPlan {
  const steps: RecoveryStep[] = []
  const head = input.headCheckpoint
  if (head?.committable && !head.committableDone) {
    steps.push({ kind: 'commit', committable: head.committable, checkpointId: head.checkpointId })
    steps.push({ kind: 'markCommittableDone', checkpointId: head.checkpointId })
  }
  steps.push({ kind: 'fence', transactionalIds: [...input.pool] })
  steps.push({ kind: 'closeHanging', promised: head?.committable ? [head.committable] : [] })

  const stored = head?.tasks ?? input.restorePoint?.tasks
  const from = head ? `checkpoint ${head.checkpointId}` : 'the restore point'
  const byPartition = new Map((stored ?? []).map((t) => [t.partition, t]))
  const tasks = input.partitions.map((partition): TaskOrigin => {
    if (!stored) return { kind: 'fresh', partition, startFrom: input.startFrom }
    const task = byPartition.get(partition)
    if (!task) {
      throw new RestoreMismatchError(
        `Cannot restore task ${partition}: ${from} has no state for it (it holds partitions ${[...byPartition.keys()].join(', ') || 'none'}); the source topics' partition count may have changed`,
      )
    }
    return {
      kind: 'snapshot',
      partition,
      ...(task.snapshot ? { snapshot: task.snapshot } : { baseDeltas: task.baseDeltas }),
      deltas: task.deltas ?? [],
      offsets: task.offsets,
      extendsChain: head !== undefined,
    }
  })
  steps.push({ kind: 'restore', tasks })
  return { steps, nextCheckpointId: (head?.checkpointId ?? 0) + 1 }
}

/** The tasks a plan restores (its last step), for a caller that reads their state early. */
export function restoreOrigins(plan: RecoveryPlan): readonly TaskOrigin[] {
  const step = plan.steps.find((s) => s.kind === 'restore')
  return step?.kind === 'restore' ? step.tasks : []
}

/** The plan for what claiming the slot's head found: its checkpoint, or else the restore point. */
export function planRecoveryFromHead(found: {
  head: ClaimedHead
  restorePoint: { tasks: readonly StoredTask[] } | undefined
  partitions: readonly number[]
  startFrom: 'earliest' | 'latest'
  pool: readonly string[]
}): RecoveryPlan {
  const { head, restorePoint } = found
  return planRecovery({
    partitions: found.partitions,
    ...(head.checkpointId !== null
      ? {
          headCheckpoint: {
            checkpointId: head.checkpointId,
            tasks: head.tasks ?? [],
            committable: head.committable ?? null,
            committableDone: head.committableDone,
          },
        }
      : {}),
    ...(restorePoint ? { restorePoint } : {}),
    startFrom: found.startFrom,
    pool: found.pool,
  })
}
