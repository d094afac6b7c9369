/**
 * `exactly recover`: closes a generation that did not stop cleanly and writes the restore point
 * the next generation starts from (DESIGN section 5). For every slot of the old generation:
 *
 *   claim the head as the recovery attempt ─▶ commit its committable ─▶ mark it done
 *     ─▶ fence the slot's pool ─▶ close hanging transactions ─▶ collect its tasks' snapshots and offsets
 *
 * then one restore point holding every source partition. The recovery attempt is the largest
 * attempt number there is, so once it has claimed a slot no worker of that generation (a zombie,
 * a late restart) can move the head or commit again. Running it twice is harmless: commits
 * already done are skipped by the head's `committableDone`, fencing again changes nothing, and
 * an identical restore point is accepted.
 */

import type { Logger } from 'pino'
import { writeRestorePoint, writeSavepoint } from '../checkpoint/checkpoint-documents.ts'
import { CheckpointStore } from '../checkpoint/checkpoint-store.ts'
import { collectGarbage, deleteJobStorage, deleteSavepoint } from '../checkpoint/collect-garbage.ts'
import { checkpointLayout, storageJobName } from '../checkpoint/layout.ts'
import { chainFormatVersion, type ManifestTask } from '../checkpoint/manifest.ts'
import type { KafkaClient } from '../kafka/kafka-client.ts'
import { transactionalIdPool } from '../sink/txn-ids.ts'
import { sourcePartitionCount, tasksOfSlot } from '../source/assignment.ts'
import type { ObjectStore } from '../storage/object-store.ts'
import type { HangingTransaction } from './hanging-transactions.ts'
import { planRecoveryFromHead } from './recovery-plan.ts'
import { freshTask, savepointTasks } from './restore-sources.ts'
import { runRecoveryPlan } from './run-recovery-plan.ts'

/** Attempt numbers are int32 in the head; recovery takes the last one so nothing outranks it. */
export const RECOVERY_ATTEMPT = 2 ** 31 - 1

export interface RecoverGenerationOptions {
  job: { namespace: string; name: string; uid: string }
  generation: number
  parallelism: number
  nextGeneration: number
  reason: string
  sourceTopics: readonly string[]
  /** The sink topic and the dead-letter topic, if any: where hanging transactions are looked for. */
  outputTopics: readonly string[]
  startFrom: 'earliest' | 'latest'
  /** spec.kafka.source.startFromTimestamp / startFromOffsets (runtime/source/start-position.ts). */
  startAt?: { timestampMs?: number | undefined; offsets?: Readonly<Record<string, string>> | undefined } | undefined
  transactionTimeoutMs: number
  kafka: KafkaClient
  /** spec.kafka.transactionalIdPrefix (runtime/sink/txn-ids.ts). */
  transactionalIdPrefix?: string
  store: ObjectStore
  prefix: string
  /** The job's uid is a directory level of its storage (layout.ts). */
  uidDirectory?: boolean
  log: Logger
  now?: () => number
  /**
   * What the next generation starts from: the slots' heads (default), a savepoint of this job
   * (`spec.restoreFrom`), or nothing (`upgradeMode: stateless`: empty state, offsets from
   * `startFrom`). The old generation's transactions are closed the same way in every case.
   */
  restore?:
    | { kind: 'heads' }
    | { kind: 'savepoint'; name: string }
    | { kind: 'savepointUri'; uri: string }
    | { kind: 'stateless' }
  /** The store of another bucket (same endpoint and credentials), for a savepoint given by URI there. */
  storeForBucket?: (bucket: string) => ObjectStore
  /** Also keep the restore point as the savepoint of this name (`spec.savepointTrigger`). */
  savepoint?: string
  /** The job is being deleted: once its slots are closed, delete its storage but its savepoints. */
  deleteStorage?: boolean
  /** Savepoints deleted once `savepoint` is written (spec.savepointHistory.maxCount). */
  disposeSavepoints?: readonly string[]
}

export interface SlotRecovery {
  slot: number
  /** The head checkpoint the slot's tasks come from; null when it never completed one. */
  checkpointId: number | null
  /** The head's transaction was committed by this run (false: nothing to commit, or done before). */
  committed: boolean
  /** Set when the broker had already aborted the head's transaction: its output is lost. */
  lostTransaction?: string
  fenced: number
  /** Transactions its coordinator had forgotten, closed here with a marker. */
  hangingClosed?: HangingTransaction[]
}

export interface GenerationRecovery {
  slots: SlotRecovery[]
  /** Absent when the storage was deleted instead. */
  restorePoint?: { generation: number; tasks: number; outcome: 'written' | 'alreadyWritten'; from: string }
  /** Objects deleted: the job's storage (deleteStorage) or what closed generations left. */
  deletedObjects?: number
  savepoint?: { name: string; outcome: 'written' | 'alreadyWritten' }
  /** False when a pre-committed transaction had expired: raise it, never hide it. */
  transactionsClean: boolean
}

export async function recoverGeneration(o: RecoverGenerationOptions): Promise<GenerationRecovery> {
  if (!Number.isInteger(o.generation) || o.generation < 0 || o.nextGeneration <= o.generation) {
    throw new RangeError(
      `Cannot recover generation ${o.generation}: the next generation must be greater, got ${o.nextGeneration}`,
    )
  }
  const now = o.now ?? Date.now
  const counts = new Map<string, number>()
  for (const topic of o.sourceTopics) counts.set(topic, await o.kafka.partitionCount(topic))
  const partitionCount = sourcePartitionCount(counts)
  const layout = checkpointLayout(o.prefix, storageJobName(o.job, o.uidDirectory ?? false))
  const slots: SlotRecovery[] = []
  const tasks: ManifestTask[] = []

  for (let slot = 0; slot < o.parallelism; slot++) {
    const log = o.log.child({ slot, generation: o.generation })
    const storage = new CheckpointStore({
      store: o.store,
      prefix: o.prefix,
      job: o.job,
      uidDirectory: o.uidDirectory ?? false,
      generation: o.generation,
      slot,
      attempt: RECOVERY_ATTEMPT,
      retained: Number.MAX_SAFE_INTEGER,
      log,
    })
    const pool = transactionalIdPool({
      jobUid: o.job.uid,
      prefix: o.transactionalIdPrefix ?? '',
      generation: o.generation,
      slot,
    })
    const head = await storage.claimHead(pool)
    const restorePoint = head.checkpointId === null ? await storage.readRestorePoint() : undefined
    const plan = planRecoveryFromHead({
      head,
      restorePoint,
      partitions: tasksOfSlot(slot, o.parallelism, partitionCount),
      startFrom: o.startFrom,
      pool,
    })
    const run = await runRecoveryPlan(plan, {
      kafka: o.kafka,
      storage,
      transactionTimeoutMs: o.transactionTimeoutMs,
      // Source topics too: a job may emit to one to repartition (examples/bank-transfers).
      outputTopics: [...o.outputTopics, ...o.sourceTopics],
      log,
    })
    const result: SlotRecovery = {
      slot,
      checkpointId: head.checkpointId,
      committed: run.committed !== undefined,
      fenced: run.fenced.size,
      ...(run.hangingClosed.length > 0 ? { hangingClosed: run.hangingClosed } : {}),
    }
    if (run.lost) {
      result.lostTransaction = `${run.lost.committable.transactionalId} (${run.lost.errorType})`
      log.error(
        { checkpointId: run.lost.checkpointId, transactionalId: run.lost.committable.transactionalId },
        `Transaction of checkpoint ${run.lost.checkpointId} was aborted by the broker before it could be committed: its output is lost; raise kafka.transactionTimeout`,
      )
    }
    for (const origin of run.restore) {
      if (origin.kind === 'snapshot') {
        const { snapshot, deltas } = origin
        tasks.push({
          partition: origin.partition,
          offsets: origin.offsets,
          ...(snapshot
            ? { snapshot: { key: snapshot.key, checksum: snapshot.checksum, bytes: snapshot.bytes ?? 0 } }
            : { baseDeltas: origin.baseDeltas ?? 0 }),
          ...(deltas.length > 0 ? { deltas: [...deltas] } : {}),
        })
      } else {
        tasks.push(await freshTask(o, layout.restorePointSnapshot(o.nextGeneration, origin.partition), origin))
      }
    }
    log.info({ ...result }, 'slot closed: committed what its head promised and fenced its transactional ids')
    slots.push(result)
  }

  const transactionsClean = slots.every((s) => s.lostTransaction === undefined)
  if (o.deleteStorage) {
    const deleted = await deleteJobStorage(o.store, layout)
    o.log.info({ objects: deleted.length }, `deleted the job's storage (${layout.jobDir}) but its savepoints`)
    return { slots, deletedObjects: deleted.length, transactionsClean }
  }
  const restore = o.restore ?? { kind: 'heads' }
  const startTasks =
    restore.kind === 'heads'
      ? tasks
      : restore.kind === 'savepoint' || restore.kind === 'savepointUri'
        ? await savepointTasks(o, layout, restore, partitionCount)
        : await Promise.all(
            Array.from({ length: partitionCount }, (_, partition) =>
              freshTask(o, layout.restorePointSnapshot(o.nextGeneration, partition), {
                partition,
                startFrom: o.startFrom,
              }),
            ),
          )
  startTasks.sort((a, b) => a.partition - b.partition)
  const point = {
    formatVersion: chainFormatVersion(startTasks),
    job: o.job,
    generation: o.nextGeneration,
    createdAt: new Date(now()).toISOString(),
    reason: o.reason,
    tasks: startTasks,
  } as const
  const outcome = await writeRestorePoint(o.store, layout, point)
  const from =
    restore.kind === 'savepoint'
      ? `savepoint "${restore.name}"`
      : restore.kind === 'savepointUri'
        ? `savepoint ${restore.uri}`
        : restore.kind === 'stateless'
          ? 'nothing (stateless)'
          : 'the heads'
  const savepoint = o.savepoint
    ? {
        name: o.savepoint,
        outcome: await writeSavepoint(o.store, layout, o.savepoint, { ...point, reason: `savepoint ${o.savepoint}` }),
      }
    : undefined
  for (const name of savepoint ? (o.disposeSavepoints ?? []) : []) {
    const keys = await deleteSavepoint(o.store, layout, name)
    o.log.info({ savepoint: name, objects: keys.length }, `deleted savepoint ${name}: past the savepoint history`)
  }
  // What generations before the closed one left is garbage now (best effort: the next pass retries).
  const garbage = await collectGarbage({ store: o.store, layout, generation: o.generation, log: o.log }).catch(
    (error: unknown) => {
      o.log.warn({ err: error }, `storage clean-up skipped: ${(error as Error).message}`)
      return undefined
    },
  )
  return {
    slots,
    restorePoint: { generation: o.nextGeneration, tasks: startTasks.length, outcome, from },
    ...(savepoint ? { savepoint } : {}),
    ...(garbage ? { deletedObjects: garbage.keys.length } : {}),
    transactionsClean,
  }
}
