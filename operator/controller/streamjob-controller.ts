/**
 * The StreamJob controller: the informers (kube/informers.ts) hand it the key of each StreamJob
 * that changed or whose pods did; `reconcile(key)` reads the job from the informer cache
 * (our own last write where the cache lags), decides with the pure `decide`, applies the plan and
 * writes the status once, only when it changed, guarded against a stale copy.
 *
 *   reconcile(key): observe (job, its pods, worker /status) → decide(observed, now) → apply → status → events
 */
import { isDeepStrictEqual } from 'node:util'
import type { Logger } from 'pino'
import type { WorkerStatus } from '../../contract/worker-status.ts'
import type { StreamJob, StreamJobStatus } from '../api/streamjob-types.ts'
import type { Clock } from '../clock.ts'
import type { JobInformers } from '../kube/informers.ts'
import type { KubeApi } from '../kube/kube-api.ts'
import { slimMetadata } from '../kube/slim-informer.ts'
import { LABEL } from '../model/labels.ts'
import { FINALIZER } from '../model/names.ts'
import type { OperatorMetrics } from '../operator-metrics.ts'
import { type DecideSettings, decide } from '../reconcile/decide.ts'
import { type Observed, observePod } from '../reconcile/observed.ts'
import type { Plan } from '../reconcile/plan.ts'
import { readWorkerStatus, requestWorkerStop } from '../worker-client.ts'
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

  constructor(options: ControllerOptions) {
    this.#o = options
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
      await this.#apply(key, job, plan, log)
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

  #remember(key: string, superseded: ReadonlyArray<string | undefined>, job: StreamJob): void {
    const versions = superseded.filter((v): v is string => v !== undefined)
    if (versions.length > 0) this.#written.set(key, { superseded: versions, job: slimMetadata(job) })
  }

  async #observe(job: StreamJob): Promise<Observed> {
    const pods = this.#o.informers.podsOf(job).flatMap((p) => observePod(p) ?? [])
    const reports = await Promise.all(
      pods
        .filter((p) => p.role === 'worker' && p.phase === 'Running' && p.podIP && !p.deleting)
        .map(async (p) => [p.name, await readWorkerStatus(p.podIP!)] as const),
    )
    const workers = new Map<string, WorkerStatus>()
    for (const [pod, report] of reports) if (report) workers.set(pod, report)
    return { job, pods, workers }
  }

  /** Pods and finalizers first, then status, then letting go of the object (it may vanish). */
  async #apply(key: string, observedJob: StreamJob, plan: Plan, log: Logger): Promise<void> {
    const { api, metrics } = this.#o
    const { namespace } = observedJob.metadata
    let job = observedJob
    let releasing = false
    let statusWritten = false
    const statusChanged = plan.status !== undefined && !isDeepStrictEqual(plan.status, job.status)
    for (const action of plan.actions) {
      switch (action.kind) {
        case 'addFinalizer': {
          if (statusChanged && plan.actions.length === 1) {
            job = await this.#addFinalizerWithStatus(key, job, plan.status!)
            statusWritten = true
            break
          }
          const updated = await api.setFinalizers(job, [...(job.metadata.finalizers ?? []), FINALIZER])
          this.#remember(key, [job.metadata.resourceVersion], updated)
          job = updated
          break
        }
        case 'removeFinalizer':
          releasing = true
          break
        case 'createPod': {
          const outcome = await api.createPod(action.pod)
          log.info({ pod: action.pod.metadata?.name, outcome }, 'created pod')
          if (outcome === 'created' && action.pod.metadata?.labels?.[LABEL.component] === 'recover')
            metrics.recoveries.inc()
          break
        }
        case 'deletePod':
          await api.deletePod(namespace, action.name)
          log.info({ pod: action.name, why: action.reason }, 'deleted pod')
          break
        case 'stopWorker':
          if (!(await requestWorkerStop(action.podIP)))
            log.warn({ pod: action.pod }, 'the worker did not take the stop request yet')
          break
      }
    }
    if (plan.status && statusChanged && !statusWritten) {
      const updated = await api.patchStatus(job, plan.status)
      this.#remember(key, [job.metadata.resourceVersion], updated)
    }
    const restartsBefore = observedJob.status?.restarts ?? 0
    if (statusChanged && (plan.status?.restarts ?? 0) > restartsBefore)
      metrics.restarts.inc((plan.status?.restarts ?? 0) - restartsBefore)
    for (const event of plan.events) {
      // Not awaited: an Event is a record for people, and the pass does not depend on it.
      void api.createEvent(job, event, this.#o.identity, new Date(this.#o.clock.now())).catch((error: unknown) => {
        log.warn({ err: error, reason: event.reason }, 'cannot record the event')
      })
      log.info({ event: event.reason, type: event.type }, event.message)
    }
    if (releasing) {
      const latest = (await api.getStreamJob(namespace, job.metadata.name)) ?? job
      await api.setFinalizers(
        latest,
        (latest.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
      )
      log.info('released the StreamJob: no transaction is left open')
    }
  }

  /**
   * A pass whose one action is adding the finalizer (a new job with nothing to run yet): the
   * finalizer (metadata) and the status (its own subresource) go out at once, one round trip
   * instead of two; with pods to create, the finalizer must land first and this does not apply.
   * Each write is guarded by the content it replaces, as resourceVersion moves with the other one.
   * Either may fail alone: the pass then fails and the retry reads the job afresh.
   */
  async #addFinalizerWithStatus(key: string, job: StreamJob, status: StreamJobStatus): Promise<StreamJob> {
    const { api } = this.#o
    const [withFinalizer, withStatus] = await Promise.all([
      api.addFinalizer(job, FINALIZER),
      api.patchStatus(job, status, 'decisionInputs'),
    ])
    // The answer of the write applied second holds both changes (resourceVersions are opaque:
    // which came second shows in whether the finalizer write already saw the new status).
    const [first, second] = isDeepStrictEqual(withFinalizer.status, withStatus.status)
      ? [withStatus, withFinalizer]
      : [withFinalizer, withStatus]
    this.#remember(key, [job.metadata.resourceVersion, first.metadata.resourceVersion], second)
    return second
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
