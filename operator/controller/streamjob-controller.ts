/**
 * The StreamJob controller: the informers (kube/informers.ts) hand it the key of each StreamJob
 * that changed or whose pods did; `reconcile(key)` reads the job from the informer cache
 * (our own last write where the cache lags), decides with the pure `decide`, and hands the plan
 * to applyPlan (apply-plan.ts), which writes the status once, only when it changed, guarded
 * against a stale copy.
 *
 *   reconcile(key): observe (job, its pods, worker /status) → decide(observed, now) → apply (actions, status, events)
 */
import type { KeyObject } from 'node:crypto'
import type { Logger } from 'pino'
import { signStopRequest } from '../../contract/stop-request.ts'
import { savepointStepCommand } from '../../contract/worker-savepoint.ts'
import type { WorkerStatus } from '../../contract/worker-status.ts'
import type { StreamJob } from '../api/streamjob-types.ts'
import type { Clock } from '../clock.ts'
import type { JobInformers } from '../kube/informers.ts'
import type { KubeApi } from '../kube/kube-api.ts'
import { SecretReader } from '../kube/secret-reader.ts'
import { slimMetadata } from '../kube/slim-informer.ts'
import { type KafkaSecretsState, kafkaAccess, kafkaSecretsState } from '../model/kafka-access.ts'
import type { OperatorMetrics } from '../operator-metrics.ts'
import { type DecideSettings, decide } from '../reconcile/decide.ts'
import { type Observed, observePod } from '../reconcile/observed.ts'
import { readWorkerStatus, requestWorkerSavepointStep, requestWorkerStop } from '../worker-client.ts'
import { type ApplyContext, applyPlan } from './apply-plan.ts'
import { ReconcileQueue, type ReconcileResult } from './reconcile-queue.ts'

export interface ControllerOptions {
  /** The caches of StreamJobs and their pods (kube/informers.ts): keys in, objects read back. */
  informers: JobInformers
  api: KubeApi
  log: Logger
  metrics: OperatorMetrics
  settings: DecideSettings
  identity: string
  /** "now" for decisions and Event times (main.ts passes the system clock). */
  clock: Clock
  /** Signs stop requests; its public key is `settings.stopKey` (contract/stop-request.ts). */
  stopSigningKey: KeyObject
  concurrency?: number
}

export class StreamJobController {
  readonly #o: ControllerOptions
  readonly queue: ReconcileQueue
  #synced = false
  /** Per job key: the object our last write returned, and the resourceVersions it superseded (see #cached). */
  readonly #written = new Map<string, { superseded: readonly string[]; job: StreamJob }>()
  /** Keys whose next pass reads from the API server (after a failed pass). */
  readonly #refetch = new Set<string>()
  readonly #secrets: SecretReader

  constructor(options: ControllerOptions) {
    this.#o = options
    this.#secrets = new SecretReader(options.api)
    this.queue = new ReconcileQueue({
      handler: (key, id) => this.reconcile(key, id),
      log: options.log,
      clock: options.clock,
      concurrency: options.concurrency ?? 4,
      held: true, // until start() has filled the caches
      hooks: {
        onStart: (waitSeconds) => options.metrics.observeQueueWait(waitSeconds),
        onResult: (result, seconds) => options.metrics.observeReconcile(result, seconds),
      },
    })
  }

  get synced(): boolean {
    return this.#synced
  }

  async start(): Promise<void> {
    await this.#o.informers.start((key) => this.queue.add(key))
    this.#synced = true
    // Only now: a pass that ran on a filled job cache but a still-empty pod cache would take
    // every running worker for gone and start new attempts (a new leader did, in the demo).
    this.queue.release()
    setInterval(() => this.#countPhases(), 10_000).unref()
  }

  async stop(): Promise<void> {
    this.queue.stop()
    await this.#o.informers.stop()
  }

  async reconcile(key: string, reconcileId: string): Promise<ReconcileResult> {
    const [namespace = '', name = ''] = key.split('/')
    const log = this.#o.log.child({ job: name, namespace, reconcileId })
    try {
      const job = this.#refetch.delete(key) ? await this.#o.api.getStreamJob(namespace, name) : this.#cached(key)
      if (!job) return {}
      const observed = await this.#observe(job)
      const plan = decide(observed, this.#o.clock.now(), this.#o.settings)
      await applyPlan(this.#applyContext(key, log), job, plan)
      return { requeueAfterMs: plan.requeueAfterMs }
    } catch (error) {
      // A write refused because our copy was stale (or anything else): the retry reads afresh.
      this.#refetch.add(key)
      throw error
    }
  }

  /**
   * The job from the informer cache; if the cache has not yet seen our last write (it still holds
   * a resourceVersion that write superseded), the object that write returned. Decisions build on
   * the status the last pass wrote, and the status patch's guard catches the rest.
   */
  #cached(key: string): StreamJob | undefined {
    const [namespace = '', name = ''] = key.split('/')
    const cached = this.#o.informers.getJob(namespace, name)
    const written = this.#written.get(key)
    if (written?.superseded.includes(cached?.metadata.resourceVersion ?? '')) return written.job
    this.#written.delete(key)
    return cached
  }

  #applyContext(key: string, log: Logger): ApplyContext {
    const { api, metrics, identity, clock } = this.#o
    return {
      api,
      metrics,
      log,
      identity,
      clock,
      requestStop: (podIP, target) =>
        requestWorkerStop(podIP, signStopRequest(this.#o.stopSigningKey, target, this.#o.clock.now())),
      requestSavepointStep: (podIP, target, step) =>
        requestWorkerSavepointStep(
          podIP,
          step,
          signStopRequest(this.#o.stopSigningKey, target, this.#o.clock.now(), savepointStepCommand(step)),
        ),
      remember: (superseded, written) => this.#remember(key, superseded, written),
    }
  }

  #remember(key: string, superseded: ReadonlyArray<string | undefined>, job: StreamJob): void {
    const versions = superseded.filter((v): v is string => v !== undefined)
    if (versions.length > 0) this.#written.set(key, { superseded: versions, job: slimMetadata(job) })
  }

  async #observe(job: StreamJob): Promise<Observed> {
    const pods = this.#o.informers.podsOf(job).flatMap((p) => observePod(p) ?? [])
    const answers = await Promise.all(
      pods
        .filter((p) => p.role === 'worker' && p.phase === 'Running' && p.podIP && !p.deleting)
        .map(async (p) => [p.name, await readWorkerStatus(p.podIP!)] as const),
    )
    const workers = new Map<string, WorkerStatus>()
    const invalidReports = new Map<string, string>()
    for (const [pod, answer] of answers) {
      if (answer.kind === 'ok') workers.set(pod, answer.status)
      else if (answer.kind === 'malformed') invalidReports.set(pod, answer.reason)
      // unreachable: in neither map, like a worker that is still starting or already gone.
    }
    return { job, pods, workers, invalidReports, kafkaSecrets: await this.#kafkaSecrets(job) }
  }

  async #kafkaSecrets(job: StreamJob): Promise<KafkaSecretsState> {
    const uses = kafkaAccess(job.spec.kafka).secretKeys
    if (uses.length === 0) return {}
    const secrets = await this.#secrets.read(
      job.metadata.namespace,
      uses.map((u) => u.secretName),
    )
    return kafkaSecretsState(uses, secrets)
  }

  #countPhases(): void {
    const counts = new Map<string, number>()
    for (const job of this.#o.informers.listJobs()) {
      const phase = job.status?.phase ?? 'Pending'
      counts.set(phase, (counts.get(phase) ?? 0) + 1)
    }
    this.#o.metrics.setJobsPerPhase(counts)
  }
}
