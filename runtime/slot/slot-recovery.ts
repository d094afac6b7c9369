/**
 * The recovery half of a worker slot (DESIGN section 5): claim the slot's head, plan from it
 * (recovery-plan.ts decides), run the plan's transaction steps (run-recovery-plan.ts: commit what
 * the head checkpoint promised, fence the transactional-id pool, close hanging transactions),
 * then restore each task's state and offsets. The slot runner then opens its first transaction
 * and starts the loop.
 */

import type { WorkerStatus } from '../../contract/worker-status.ts'
import type { KafkaClient, ProducerIdentity } from '../kafka/kafka-client.ts'
import { planRecoveryFromHead, restoreOrigins, type TaskOrigin } from '../recovery/recovery-plan.ts'
import { runRecoveryPlan } from '../recovery/run-recovery-plan.ts'
import { type SlotIdentity, transactionalIdPool } from '../sink/txn-ids.ts'
import { sourcePartitionCount, tasksOfSlot } from '../source/assignment.ts'
import { startOffsets } from '../source/start-position.ts'
import { KeyedState } from '../state/keyed-state.ts'
import type { SlotChains } from '../state/task-snapshots.ts'
import { Task } from '../task/task.ts'
import type { SlotDeps } from './slot-deps.ts'

export interface SlotRecoveryContext extends SlotDeps {
  /** Whose transactional ids these are: the runner names its transactions with the same. */
  identity: SlotIdentity
  status: WorkerStatus
  chains: SlotChains
  /** The head's transaction could not be committed: the broker aborted it. */
  raiseExpired: (checkpointId: number, committable: ProducerIdentity, errorType: string) => void
}

export interface RecoveredSlot {
  tasks: Task[]
  partitions: number[]
  nextCheckpointId: number
  /** Every id of the pool, fenced: the first transaction opens with the id it maps to. */
  fenced: Map<string, ProducerIdentity>
  /** The head's committable, committed by recovery: a hanging remnant of it gets a COMMIT marker. */
  promised: ProducerIdentity[]
  /** Where lineage goes, with the topic's partition count, when the job records it. */
  lineage?: { topic: string; partitions: number }
}

export async function recoverSlot(ctx: SlotRecoveryContext): Promise<RecoveredSlot> {
  const { config, kafka, storage, log } = ctx
  const pool = transactionalIdPool(ctx.identity)
  const topics = new PartitionCounts(kafka)
  const lineageTopic = config.kafka.lineageTopic
  // Partition counts come from Kafka while the head is claimed in S3; a failed claim fails first.
  const onError = config.job.onError
  const written = [config.kafka.sinkTopic, ...(onError.kind === 'dead-letter' ? [onError.topic] : [])]
  written.push(...(ctx.job.outputTopics?.(config.job.config) ?? []))
  const counting = Promise.all([
    Promise.all(config.kafka.sourceTopics.map((topic) => topics.load(topic))),
    Promise.all(written.map((topic) => topics.load(topic))),
    lineageTopic === undefined ? undefined : kafka.partitionCount(lineageTopic),
  ])
  counting.catch(() => {})
  const head = await storage.claimHead(pool)
  ctx.failpoint?.('during-restore', head.checkpointId ?? 0)
  const [sourceCounts, , lineagePartitions] = await counting
  const counts = new Map(config.kafka.sourceTopics.map((topic, i) => [topic, sourceCounts[i]!]))
  const partitions = tasksOfSlot(config.slot, config.parallelism, sourcePartitionCount(counts))

  const restorePoint = head.checkpointId === null ? await storage.readRestorePoint() : undefined
  const plan = planRecoveryFromHead({
    head,
    restorePoint,
    partitions,
    startFrom: config.kafka.startFrom,
    pool,
  })
  log.info({ checkpointId: head.checkpointId, steps: plan.steps.map((s) => s.kind), partitions }, 'recovering slot')
  // The tasks' state is read while Kafka settles the transactions: reading changes nothing, and
  // this slot holds the head. Awaited after the plan ran, so a failed step still fails first.
  const restoring = Promise.all(restoreOrigins(plan).map((origin) => restoreTask(ctx, origin, topics)))
  restoring.catch(() => {})
  const run = await runRecoveryPlan(plan, {
    kafka,
    storage,
    transactionTimeoutMs: config.kafka.transactionTimeoutMs,
    // Source topics too: a job may emit to one to repartition (examples/bank-transfers).
    outputTopics: [
      config.kafka.sinkTopic,
      ...(onError.kind === 'dead-letter' ? [onError.topic] : []),
      ...(lineageTopic === undefined ? [] : [lineageTopic]),
      ...config.kafka.sourceTopics,
    ],
    log,
  })
  if (run.lost) ctx.raiseExpired(run.lost.checkpointId, run.lost.committable, run.lost.errorType)
  if (run.hangingClosed.length > 0) {
    ctx.status.hangingTransactionsClosed = (ctx.status.hangingTransactionsClosed ?? 0) + run.hangingClosed.length
    for (const h of run.hangingClosed)
      ctx.metrics.hangingTransactionsClosed.inc({ outcome: h.commit ? 'commit' : 'abort' })
  }
  if (run.hangingDenied) {
    // The job runs on; a person grants the ACL (the message says which and how).
    const message = `Recovery could not look for or close hanging transactions: ${run.hangingDenied.message}`
    ctx.status.alarms.push({ reason: 'HangingTransactionsUnchecked', message, since: new Date().toISOString() })
  }
  const tasks = await restoring
  const promised = head.committable ? [head.committable] : []
  return {
    tasks,
    partitions,
    nextCheckpointId: plan.nextCheckpointId,
    fenced: run.fenced,
    promised,
    ...(lineageTopic && lineagePartitions ? { lineage: { topic: lineageTopic, partitions: lineagePartitions } } : {}),
  }
}

async function restoreTask(ctx: SlotRecoveryContext, origin: TaskOrigin, topics: PartitionCounts): Promise<Task> {
  const { config, kafka, job, storage } = ctx
  const offsets = new Map<string, bigint>()
  let state = new KeyedState()
  if (origin.kind === 'snapshot') {
    state = new KeyedState(await storage.readState(origin))
    ctx.chains.restored(origin)
    for (const topic of config.kafka.sourceTopics) {
      const offset = origin.offsets[topic]
      if (offset === undefined)
        throw new Error(`Cannot restore task ${origin.partition}: no offset for topic "${topic}"`)
      offsets.set(topic, BigInt(offset))
    }
  } else {
    const tps = config.kafka.sourceTopics.map((topic) => ({ topic, partition: origin.partition }))
    const listed = await startOffsets(kafka, tps, { ...config.kafka.startAt, startFrom: origin.startFrom })
    for (const topic of config.kafka.sourceTopics) offsets.set(topic, listed.get(`${topic}/${origin.partition}`) ?? 0n)
  }
  return new Task({
    partition: origin.partition,
    slot: config.slot,
    job,
    config: config.job.config,
    state,
    offsets,
    sinkTopic: config.kafka.sinkTopic,
    errorPolicy: config.job.onError,
    partitionsOf: (topic) => topics.known(topic),
    ...(ctx.now ? { now: ctx.now } : {}),
  })
}

/** Partition counts of the topics a task may write to, loaded once at recovery. */
class PartitionCounts {
  readonly #counts = new Map<string, number>()
  readonly #kafka: KafkaClient

  constructor(kafka: KafkaClient) {
    this.#kafka = kafka
  }

  async load(topic: string): Promise<number> {
    const count = await this.#kafka.partitionCount(topic)
    this.#counts.set(topic, count)
    return count
  }

  known(topic: string): number {
    const count = this.#counts.get(topic)
    if (count === undefined) {
      throw new Error(
        `Cannot emit to topic "${topic}": it is not the sink or dead-letter topic; name it in the job's outputTopics(config) and create it first`,
      )
    }
    return count
  }
}
