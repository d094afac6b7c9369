/**
 * Runs one worker slot: recovery (DESIGN section 5, carried out by slot-recovery.ts), then the
 * read → process → write loop with the checkpoint cycle of section 4. Kafka and storage sit
 * behind narrow ports; the protocol decisions live in the pure modules it calls (recovery-plan,
 * barrier, txn-ids, assignment).
 *
 * Cases that can happen here, and what the runner does:
 * - a record's `process` throws with policy `fail`: the slot fails with the record named;
 * - storage or Kafka is unreachable while storing or committing checkpoint k: the step retries
 *   until `checkpoint.timeout`, then the slot fails and restarts from its head (nothing is lost:
 *   T(k) and T(k+1) are aborted by the next attempt's fencing and their input is replayed);
 * - the head CAS finds a newer attempt: this worker is a zombie; it stops at once;
 * - the commit of T(k) is answered "fenced": the broker aborted a pre-committed transaction
 *   (it outlived transactionTimeout): an alarm, never silence;
 * - a stop request: a final checkpoint, its commit, then return (exit 0), no transaction open.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { WorkerConfig } from '../../contract/worker-config.ts'
import { initialWorkerStatus, type WorkerStatus } from '../../contract/worker-status.ts'
import type { Job } from '../api/define-job.ts'
import { type CheckpointCycle, decideCheckpoint, initialCycle, transitionCheckpoint } from '../checkpoint/barrier.ts'
import {
  type KafkaClient,
  type OutgoingRecord,
  type ProducerIdentity,
  partitionKey,
  type TransactionWriter,
} from '../kafka/kafka-client.ts'
import { transactionalId } from '../sink/txn-ids.ts'
import type { Task } from '../task/task.ts'
import { CheckpointTimeoutError, reasonOf, retryUntil, sleep } from './slot-failures.ts'
import { recoverSlot } from './slot-recovery.ts'
import type { CheckpointToStore, SlotStorage } from './slot-storage.ts'
import { SourceReader } from './source-reader.ts'
import { SlotChains } from './task-snapshots.ts'
import type { WorkerMetrics } from './worker-metrics.ts'

/**
 * Named steps where tests kill the process (EXACTLY_FAILPOINTS): each is a real SIGKILL.
 * `after-snapshots` (snapshots uploaded, no manifest) and `after-manifest` (manifest written,
 * head not moved) fire inside checkpoint storage; `before-commit` is after the head moved.
 */
export type Failpoint =
  | 'before-precommit'
  | 'after-precommit'
  | 'after-snapshots'
  | 'after-manifest'
  | 'before-commit'
  | 'after-commit'
  | 'during-restore'

export interface SlotRunnerDeps {
  config: WorkerConfig
  job: Job
  kafka: KafkaClient
  storage: SlotStorage
  metrics: WorkerMetrics
  log: Logger
  failpoint?: (name: Failpoint, checkpointId: number) => void
  now?: () => number
}

export class SlotRunner {
  readonly status: WorkerStatus
  readonly #deps: SlotRunnerDeps
  readonly #now: () => number
  #tasks: Task[] = []
  #cycle: CheckpointCycle = initialCycle(1, 0)
  #writer: TransactionWriter | undefined
  #inFlight: Promise<void> | undefined
  #stopRequested = false
  #fatal: Error | undefined
  readonly #chains = new SlotChains()
  /** The open transaction holds records for a source topic of this job (see SlotActivity). */
  #ownOutputPending = false
  /** The checkpoint in flight carries such records: they become readable when it commits. */
  #ownOutputCommitting = false
  /** The last fetch found nothing to read on any source. */
  #caughtUp = false

  constructor(deps: SlotRunnerDeps) {
    this.#deps = deps
    this.#now = deps.now ?? Date.now
    const c = deps.config
    this.status = initialWorkerStatus({
      namespace: c.job.namespace,
      name: c.job.name,
      slot: c.slot,
      generation: c.generation,
      attempt: c.attempt,
    })
  }

  requestStop(): void {
    this.#stopRequested = true
  }

  /** Restores, then runs until a stop request (resolves) or a failure (rejects). */
  async run(): Promise<void> {
    try {
      await this.#restore()
      await this.#loop()
      this.status.phase = 'Stopped'
      this.status.ready = false
    } catch (error) {
      this.status.phase = 'Failed'
      this.status.ready = false
      const e = error as Error & { code?: string }
      this.status.failure = { reason: reasonOf(e), message: e.message }
      throw error
    }
  }

  get #atLeastOnce(): boolean {
    return this.#deps.config.kafka.delivery === 'at-least-once'
  }

  get #slotIdentity() {
    const c = this.#deps.config
    return { jobUid: c.job.uid, generation: c.generation, slot: c.slot }
  }

  async #restore(): Promise<void> {
    const { kafka, log } = this.#deps
    const started = this.#now()
    this.status.phase = 'Restoring'
    const recovered = await recoverSlot({
      ...this.#deps,
      identity: this.#slotIdentity,
      status: this.status,
      chains: this.#chains,
      raiseExpired: (k, committable, errorType) => this.#raiseExpired(k, committable, errorType),
    })
    this.#tasks = recovered.tasks
    const first = recovered.nextCheckpointId
    this.#cycle = initialCycle(first, this.#now())
    this.#writer = this.#atLeastOnce
      ? kafka.beginAtLeastOnceWriter()
      : kafka.beginTransaction(recovered.fenced.get(transactionalId(this.#slotIdentity, first))!)
    const restoreMs = this.#now() - started
    this.#deps.metrics.restoreDuration.set(restoreMs / 1000)
    this.status.restoreDurationMs = restoreMs
    this.status.tasks = recovered.partitions
    // A slot past the partition count reads nothing, so it knows its lag without a fetch.
    if (this.#tasks.length === 0) this.status.lag = 0
    this.status.phase = 'Running'
    this.status.ready = true
    // The deltas each task's restored chain holds: how much of the state came from incremental checkpoints.
    log.info({ restoreMs, nextCheckpointId: first, ...this.#chains.describe() }, 'slot restored and running')
  }

  async #loop(): Promise<void> {
    const timing = {
      intervalMs: this.#deps.config.checkpoint.intervalMs,
      timeoutMs: this.#deps.config.checkpoint.timeoutMs,
    }
    const byPartition = new Map(this.#tasks.map((t) => [t.partition, t]))
    const sources = new Set(this.#deps.config.kafka.sourceTopics)
    const out: OutgoingRecord[] = []
    const reader = new SourceReader(this.#deps.kafka, this.#deps.config.kafka.read)
    const positions = () =>
      this.#tasks.flatMap((t) => [...t.offsets].map(([topic, offset]) => ({ topic, partition: t.partition, offset })))
    const lagByPartition = new Map<string, number>()
    while (true) {
      if (this.#fatal) throw this.#fatal
      const decision = decideCheckpoint(this.#cycle, this.#now(), timing, {
        waitingOnOwnOutput: this.#caughtUp && this.#ownOutputPending,
      })
      if (decision.kind === 'timeout') throw new CheckpointTimeoutError(decision.message)
      if (this.#stopRequested && this.#cycle.phase === 'Idle') {
        await this.#barrier()
        await this.#inFlight
        if (this.#fatal) throw this.#fatal
        return
      }
      if (decision.kind === 'barrier') {
        await this.#barrier()
        continue
      }
      if (this.#tasks.length === 0) {
        await sleep(Math.min(100, decision.dueInMs))
        continue
      }
      const fetchStarted = this.#now()
      const slice = await reader.next(positions, Math.max(1, Math.min(100, decision.dueInMs)))
      for (const part of slice.parts) {
        const task = byPartition.get(part.partition)!
        const deadLettersBefore = task.deadLetters
        for (const record of part.records) task.process(record, out)
        if (task.deadLetters > deadLettersBefore) {
          this.#deps.metrics.deadLetters.inc(task.deadLetters - deadLettersBefore)
        }
        // Control records and aborted data move the position without producing records.
        if (part.nextOffset !== undefined && part.nextOffset > (task.offsets.get(part.topic) ?? 0n))
          task.offsets.set(part.topic, part.nextOffset)
        const behind = Math.max(0, Number(part.lastStableOffset - (task.offsets.get(part.topic) ?? 0n)))
        this.#deps.metrics.partitionLag.set({ topic: part.topic, partition: String(part.partition) }, behind)
        lagByPartition.set(partitionKey(part), behind)
        this.status.recordsIn += part.records.length
        this.#deps.metrics.recordsIn.inc(part.records.length)
      }
      let lag = 0
      for (const behind of lagByPartition.values()) lag += behind
      this.status.lag = lag
      this.#caughtUp = slice.records === 0 && lag === 0
      if (this.#caughtUp && (this.#ownOutputPending || this.#ownOutputCommitting))
        this.#deps.metrics.ownOutputWait.inc((this.#now() - fetchStarted) / 1000)
      if (out.length > 0) {
        // At-least-once output is readable once acknowledged: nothing to wait for.
        if (!this.#atLeastOnce && !this.#ownOutputPending)
          this.#ownOutputPending = out.some((r) => sources.has(r.topic))
        await this.#writer!.send(out)
        this.status.recordsOut += out.length
        this.#deps.metrics.recordsOut.inc(out.length)
        out.length = 0
      }
      // Lets the checkpoint in flight and the producer's acknowledgements move between slices.
      if (slice.records > 0) await yieldToEventLoop()
    }
  }

  /** Barrier k: pre-commit T(k), copy state and offsets, open T(k+1), then store and commit k in the background. */
  async #barrier(): Promise<void> {
    const k = this.#cycle.checkpointId
    const { kafka, config, failpoint } = this.#deps
    this.#cycle = transitionCheckpoint(this.#cycle, 'PreCommitting', this.#now())
    failpoint?.('before-precommit', k)
    const writer = this.#writer!
    // A zombie that slept through its replacement's takeover must not reach initProducerId
    // below: re-initializing a pooled id would fence the replacement's open transaction.
    await Promise.all([writer.flush(), this.#assertOwner()])
    failpoint?.('after-precommit', k)
    const snapshots = this.#chains.snapshot(this.#tasks, config.checkpoint.incremental)
    for (const s of snapshots)
      this.#deps.metrics.taskSnapshots.inc({
        kind: s.kind === 'delta' && s.rebaseBucket !== undefined ? 'rebase' : s.kind,
      })
    const checkpoint: CheckpointToStore = {
      checkpointId: k,
      snapshots,
      // At-least-once: nothing to commit, acknowledged records are already visible.
      committable: writer.recordCount > 0 && !this.#atLeastOnce ? writer.identity : null,
      recordsIn: this.status.recordsIn,
      recordsOut: this.status.recordsOut,
    }
    if (this.#atLeastOnce) {
      this.#writer = kafka.beginAtLeastOnceWriter()
    } else {
      // T(k+1)'s id was last used by T(k-2), committed before checkpoint k-1 began (see txn-ids.ts).
      const next = await kafka.initProducerId(
        transactionalId(this.#slotIdentity, k + 1),
        config.kafka.transactionTimeoutMs,
      )
      this.#writer = kafka.beginTransaction(next)
    }
    this.#ownOutputCommitting = this.#ownOutputPending
    this.#ownOutputPending = false
    this.#cycle = transitionCheckpoint(this.#cycle, 'Storing', this.#now())
    const barrierAt = this.#now()
    this.#inFlight = this.#completeCheckpoint(checkpoint, barrierAt).catch((error) => {
      this.#fatal ??= error as Error
    })
  }

  async #completeCheckpoint(checkpoint: CheckpointToStore, barrierAt: number): Promise<void> {
    const { storage, kafka, metrics, failpoint, log } = this.#deps
    const k = checkpoint.checkpointId
    const stored = await retryUntil(
      () => storage.storeCheckpoint(checkpoint),
      () => this.#cycle.phase !== 'Storing' || this.#fatal !== undefined,
      (error) => this.#checkpointFailed(k, error),
      (error) => (error as { code?: string }).code === 'EXACTLY_SUPERSEDED',
    )
    this.#cycle = transitionCheckpoint(this.#cycle, 'Committing', this.#now())
    const durationMs = this.#now() - barrierAt
    metrics.checkpointDuration.observe(durationMs / 1000)
    metrics.checkpointBytes.set(stored.bytes)
    this.#chains.stored(stored.chains)
    metrics.stateBytes.set(this.#chains.bytes())
    this.status.lastCheckpoint = {
      id: k,
      completedAt: new Date(this.#now()).toISOString(),
      durationMs,
      bytes: stored.bytes,
      stateBytes: this.#chains.bytes(),
    }
    this.status.consecutiveCheckpointFailures = 0
    delete this.status.lastCheckpointError
    failpoint?.('before-commit', k)
    if (checkpoint.committable) {
      const committable = checkpoint.committable
      const commitStarted = this.#now()
      const outcome = await retryUntil(
        () => kafka.endTransaction(committable, true),
        () => this.#fatal !== undefined,
        (error) => log.warn({ checkpointId: k, error: String(error) }, 'commit failed, retrying'),
      )
      metrics.commitLatency.observe((this.#now() - commitStarted) / 1000)
      if (outcome.kind !== 'done') {
        // "Fenced" also answers a zombie whose replacement already committed T(k) and fenced
        // the pool: that is no loss, and the zombie must just exit.
        await this.#assertOwner()
        this.#raiseExpired(k, committable, outcome.errorType)
      }
    }
    failpoint?.('after-commit', k)
    this.#ownOutputCommitting = false
    this.#cycle = transitionCheckpoint(this.#cycle, 'Idle', this.#now())
    log.info({ checkpointId: k, durationMs, bytes: stored.bytes }, 'checkpoint complete and committed')
    void storage.applyRetention().catch((error) => log.warn({ error: String(error) }, 'retention failed'))
  }

  /**
   * SupersededError if a newer attempt owns the slot. Best effort otherwise: with S3 down the
   * check cannot be made, and processing must go on (the head CAS still stops a zombie).
   */
  async #assertOwner(): Promise<void> {
    try {
      await this.#deps.storage.assertOwner()
    } catch (error) {
      if ((error as { code?: string }).code === 'EXACTLY_SUPERSEDED') throw error
      this.#deps.log.warn({ error: String(error) }, 'cannot check who owns the slot head; going on')
    }
  }

  #checkpointFailed(k: number, error: unknown): void {
    this.status.checkpointFailures++
    this.status.consecutiveCheckpointFailures++
    this.status.lastCheckpointError = String((error as Error).message ?? error)
    this.#deps.metrics.checkpointFailures.inc()
    this.#deps.log.warn(
      { checkpointId: k, error: this.status.lastCheckpointError },
      'storing the checkpoint failed, retrying',
    )
  }

  #raiseExpired(k: number, committable: ProducerIdentity, errorType: string): void {
    const message = `Transaction "${committable.transactionalId}" of checkpoint ${k} was aborted by the broker before it could be committed (${errorType}): its output is lost; raise kafka.transactionTimeout`
    this.status.transactionsClean = false
    this.status.alarms.push({ reason: 'TransactionExpired', message, since: new Date(this.#now()).toISOString() })
    this.#deps.metrics.transactionsExpired.inc()
    this.#deps.log.error({ checkpointId: k, transactionalId: committable.transactionalId }, message)
  }
}
