/**
 * Runs one worker slot: recovery (DESIGN section 5, carried out by slot-recovery.ts), then the
 * read → process → write loop with the checkpoint cycle of section 4. Kafka and storage sit
 * behind narrow ports; the two-phase-commit sink (runtime/sink/) owns the transactions; the
 * protocol decisions live in the pure modules it calls (checkpoint-cycle, recovery-plan,
 * txn-ids, assignment).
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
import { initialWorkerStatus, type WorkerStatus } from '../../contract/worker-status.ts'
import {
  type CheckpointCycle,
  decideCheckpoint,
  initialCycle,
  transitionCheckpoint,
} from '../checkpoint/checkpoint-cycle.ts'
import type { CheckpointToStore } from '../checkpoint/slot-storage.ts'
import type { OutgoingRecord, ProducerIdentity } from '../kafka/kafka-client.ts'
import { commitTransaction } from '../sink/committer.ts'
import { TwoPhaseCommitWriter } from '../sink/two-phase-commit-writer.ts'
import { lineageRecords } from '../source/lineage.ts'
import { SourceReader } from '../source/source-reader.ts'
import { SlotChains } from '../state/task-snapshots.ts'
import type { Task } from '../task/task.ts'
import { recordCheckpointStored } from './checkpoint-status.ts'
import { type HangingWatch, startHangingWatch } from './hanging-watch.ts'
import { processSlice, SlotLag } from './process-slice.ts'
import { RunningSavepoint } from './running-savepoint.ts'
import { maxHoldMs } from './savepoint-hold.ts'
import type { SlotDeps } from './slot-deps.ts'
import {
  assertOwnerIfKnown,
  CheckpointTimeoutError,
  raiseExpired,
  reasonOf,
  recordCheckpointFailure,
  retryUntil,
  sleep,
} from './slot-failures.ts'
import { recoverSlot } from './slot-recovery.ts'

export class SlotRunner {
  readonly status: WorkerStatus
  readonly #deps: SlotDeps
  readonly #now: () => number
  #tasks: Task[] = []
  #cycle: CheckpointCycle = initialCycle(1, 0)
  #sink: TwoPhaseCommitWriter | undefined
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
  #watch: HangingWatch | undefined
  /** Where lineage goes (spec.kafka.sink.lineageTopic), once recovery knows its partition count. */
  #lineage: { topic: string; partitions: number } | undefined
  /** A savepoint taken while running: the operator's hold and release (contract/worker-savepoint.ts). */
  readonly savepoint: RunningSavepoint

  constructor(deps: SlotDeps) {
    this.#deps = deps
    this.#now = deps.now ?? Date.now
    const c = deps.config
    this.savepoint = new RunningSavepoint({
      maxHoldMs: maxHoldMs(c.kafka.transactionTimeoutMs, c.checkpoint.timeoutMs),
      storage: deps.savepoints,
      slot: c.slot,
      log: deps.log,
    })
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
    this.savepoint.stopping()
  }

  /** GET /status: the status with the savepoint's hold as of now. */
  statusNow(): WorkerStatus {
    const savepoint = this.savepoint.report(this.#now())
    return savepoint ? { ...this.status, savepoint } : this.status
  }

  /** Restores, then runs until a stop request (resolves) or a failure (rejects). */
  async run(): Promise<void> {
    try {
      await this.#restore()
      await this.#loop()
      this.#watch?.stop()
      this.status.phase = 'Stopped'
      this.status.ready = false
    } catch (error) {
      this.#watch?.stop()
      this.status.phase = 'Failed'
      this.status.ready = false
      const e = error as Error & { code?: string; publicMessage?: string }
      this.status.failure = { reason: reasonOf(e), message: e.publicMessage ?? e.message }
      throw error
    }
  }

  get #atLeastOnce(): boolean {
    return this.#deps.config.kafka.delivery === 'at-least-once'
  }

  get #slotIdentity() {
    const c = this.#deps.config
    return { jobUid: c.job.uid, prefix: c.kafka.transactionalIdPrefix, generation: c.generation, slot: c.slot }
  }

  async #restore(): Promise<void> {
    const { kafka, log } = this.#deps
    const started = this.#now()
    // Since the process started (node's own clock): what a restart costs before the restore.
    const startupMs = Math.round(performance.now())
    this.status.phase = 'Restoring'
    const recovered = await recoverSlot({
      ...this.#deps,
      identity: this.#slotIdentity,
      status: this.status,
      chains: this.#chains,
      raiseExpired: (k, committable, errorType) => this.#raiseExpired(k, committable, errorType),
    })
    this.#tasks = recovered.tasks
    this.#lineage = recovered.lineage
    const first = recovered.nextCheckpointId
    this.#cycle = initialCycle(first, this.#now())
    this.#sink = new TwoPhaseCommitWriter(kafka, {
      slot: this.#slotIdentity,
      transactionTimeoutMs: this.#deps.config.kafka.transactionTimeoutMs,
      delivery: this.#deps.config.kafka.delivery,
    })
    await this.#sink.beginTransaction(first, recovered.fenced)
    const restoreMs = this.#now() - started
    this.#deps.metrics.restoreDuration.set(restoreMs / 1000)
    this.status.restoreDurationMs = restoreMs
    this.status.tasks = recovered.partitions
    // A slot past the partition count reads nothing, so it knows its lag without a fetch.
    if (this.#tasks.length === 0) this.status.lag = 0
    if (!this.#atLeastOnce) this.#watch = await startHangingWatch(this.#deps, this.status.alarms, recovered)
    this.status.phase = 'Running'
    this.status.ready = true
    // The deltas each task's restored chain holds: how much of the state came from incremental checkpoints.
    log.info({ startupMs, restoreMs, nextCheckpointId: first, ...this.#chains.describe() }, 'slot restored and running')
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
    const lag = new SlotLag()
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
      // A savepoint's cut is taken at once; past it, no barrier until the release (savepoint-hold.ts).
      const hold = this.savepoint.step(this.#cycle, this.#now())
      if (hold === 'cut' || (decision.kind === 'barrier' && hold === 'none')) {
        await this.#barrier()
        continue
      }
      if (this.#tasks.length === 0) {
        await sleep(decision.kind === 'none' ? Math.min(100, decision.dueInMs) : 100)
        continue
      }
      const fetchStarted = this.#now()
      const waitMs = decision.kind === 'none' ? decision.dueInMs : 100
      const slice = await reader.next(positions, Math.max(1, Math.min(100, waitMs)))
      this.status.recordsIn += processSlice(slice, byPartition, out, lag, this.#deps.metrics, this.#now())
      this.status.lag = lag.total()
      this.#caughtUp = slice.records === 0 && this.status.lag === 0
      if (this.#caughtUp && (this.#ownOutputPending || this.#ownOutputCommitting))
        this.#deps.metrics.ownOutputWait.inc((this.#now() - fetchStarted) / 1000)
      const emitted = out.length
      if (this.#lineage && slice.records > 0)
        out.push(...lineageRecords(slice, this.#lineage.topic, this.#lineage.partitions))
      if (out.length > 0) {
        // At-least-once output is readable once acknowledged: nothing to wait for.
        if (!this.#atLeastOnce && !this.#ownOutputPending)
          this.#ownOutputPending = out.some((r) => sources.has(r.topic))
        await this.#sink!.write(out)
        this.status.recordsOut += emitted
        this.#deps.metrics.recordsOut.inc(emitted)
        out.length = 0
      }
      // Lets the checkpoint in flight and the producer's acknowledgements move between slices.
      if (slice.records > 0) await yieldToEventLoop()
    }
  }

  /** Barrier k: pre-commit T(k), copy state and offsets, open T(k+1), then store and commit k in the background. */
  async #barrier(): Promise<void> {
    const k = this.#cycle.checkpointId
    const { config, failpoint } = this.#deps
    this.#cycle = transitionCheckpoint(this.#cycle, 'PreCommitting', this.#now())
    failpoint?.('before-precommit', k)
    const sink = this.#sink!
    // A zombie that slept through its replacement's takeover must not reach initProducerId
    // below: re-initializing a pooled id would fence the replacement's open transaction.
    const [committable] = await Promise.all([sink.preCommit(), this.#assertOwner()])
    failpoint?.('after-precommit', k)
    for (const task of this.#tasks) task.beforeSnapshot()
    const snapshots = this.#chains.snapshot(this.#tasks, config.checkpoint.incremental)
    for (const s of snapshots)
      this.#deps.metrics.taskSnapshots.inc({
        kind: s.kind === 'delta' && s.rebaseBucket !== undefined ? 'rebase' : s.kind,
      })
    const checkpoint: CheckpointToStore = {
      checkpointId: k,
      snapshots,
      committable,
      recordsIn: this.status.recordsIn,
      recordsOut: this.status.recordsOut,
    }
    // T(k+1)'s id was last used by T(k-2), committed before checkpoint k-1 began (see txn-ids.ts).
    await sink.beginTransaction(k + 1)
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
      (error) => recordCheckpointFailure(this.status, this.#deps, k, error),
      (error) => (error as { code?: string }).code === 'EXACTLY_SUPERSEDED',
    )
    this.#cycle = transitionCheckpoint(this.#cycle, 'Committing', this.#now())
    const durationMs = this.#now() - barrierAt
    this.#chains.stored(stored.chains)
    const figures = { id: k, durationMs, bytes: stored.bytes, stateBytes: this.#chains.bytes(), now: this.#now() }
    recordCheckpointStored(this.status, metrics, figures)
    failpoint?.('before-commit', k)
    if (checkpoint.committable) {
      const committable = checkpoint.committable
      const commitStarted = this.#now()
      const outcome = await retryUntil(
        () => commitTransaction(kafka, committable),
        () => this.#fatal !== undefined,
        (error) => log.warn({ checkpointId: k, error: String(error) }, 'commit failed, retrying'),
      )
      metrics.commitLatency.observe((this.#now() - commitStarted) / 1000)
      if (outcome.kind !== 'committed') {
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
    this.savepoint.checkpointDone(k, stored.tasks)
    void storage.applyRetention().catch((error) => log.warn({ error: String(error) }, 'retention failed'))
  }

  #assertOwner(): Promise<void> {
    return assertOwnerIfKnown(this.#deps)
  }

  #raiseExpired(k: number, committable: ProducerIdentity, errorType: string): void {
    raiseExpired(this.status, this.#deps, new Date(this.#now()), { k, committable, errorType })
  }
}
