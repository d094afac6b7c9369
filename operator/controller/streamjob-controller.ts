/**
 * The StreamJob controller: informers on StreamJobs and on the pods the operator made enqueue
 * the job's key (a pod maps to its owner); `reconcile(key)` reads the job from the informer cache
 * (our own last write where the cache lags), decides with the pure `decide`, applies the plan and
 * writes the status once, only when it changed, guarded against a stale copy.
 *
 *   reconcile(key): observe (job, its pods, worker /status) → decide(observed, now) → apply → status → events
 */
import { isDeepStrictEqual } from 'node:util'
import type {
  Informer as ClientInformer,
  KubeConfig,
  KubernetesObject,
  ObjectCache,
  V1Pod,
} from '@kubernetes/client-node'
import type { Logger } from 'pino'
import type { WorkerStatus } from '../../contract/worker-status.ts'
import type { StreamJob, StreamJobStatus } from '../api/streamjob-types.ts'
import type { Clock } from '../clock.ts'
import { GROUP, type KubeApi, PLURAL, VERSION } from '../kube/kube-api.ts'
import { makeSlimInformer, slimMetadata } from '../kube/slim-informer.ts'
import { LABEL } from '../model/labels.ts'
import { FINALIZER } from '../model/names.ts'
import type { OperatorMetrics } from '../operator-metrics.ts'
import { type DecideSettings, decide } from '../reconcile/decide.ts'
import { type Observed, observePod } from '../reconcile/observed.ts'
import type { Plan } from '../reconcile/plan.ts'
import { readWorkerStatus, requestWorkerStop } from '../worker-client.ts'
import { ReconcileQueue, type ReconcileResult } from './reconcile-queue.ts'

export interface ControllerOptions {
  kc: KubeConfig
  api: KubeApi
  log: Logger
  metrics: OperatorMetrics
  /** Empty: every namespace. */
  namespaces: readonly string[]
  settings: DecideSettings
  identity: string
  /** "now" for decisions and Event times (main.ts passes the system clock). */
  clock: Clock
  concurrency?: number
}

type Informer<T extends KubernetesObject> = ClientInformer<T> & ObjectCache<T>

const MANAGED = `${LABEL.managedBy}=exactly-operator`

/**
 * A pod is read only through observePod (labels, owner, status): its spec, the larger part of a
 * worker pod, is not kept in the cache.
 */
function slimPod(pod: V1Pod): V1Pod {
  slimMetadata(pod)
  delete pod.spec
  return pod
}

export class StreamJobController {
  readonly #o: ControllerOptions
  readonly queue: ReconcileQueue
  /** Custom objects arrive as plain JSON: read them as StreamJob. */
  readonly #jobInformers: Informer<KubernetesObject>[] = []
  readonly #podInformers: Informer<V1Pod>[] = []
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
    const { kc, api, namespaces } = this.#o
    const scopes = namespaces.length === 0 ? [undefined] : namespaces
    for (const ns of scopes) {
      const jobs = makeSlimInformer<KubernetesObject>(
        kc,
        ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`,
        () =>
          (ns
            ? api.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL })
            : api.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as never,
        slimMetadata,
      )
      const pods = makeSlimInformer<V1Pod>(
        kc,
        ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods',
        () =>
          ns
            ? api.core.listNamespacedPod({ namespace: ns, labelSelector: MANAGED })
            : api.core.listPodForAllNamespaces({ labelSelector: MANAGED }),
        slimPod,
        MANAGED,
      )
      const enqueueJob = (job: KubernetesObject) => this.queue.add(`${job.metadata?.namespace}/${job.metadata?.name}`)
      const enqueuePod = (pod: V1Pod) => {
        const job = pod.metadata?.labels?.[LABEL.job]
        if (job && pod.metadata?.namespace) this.queue.add(`${pod.metadata.namespace}/${job}`)
      }
      for (const verb of ['add', 'update', 'delete'] as const) {
        jobs.on(verb, enqueueJob)
        pods.on(verb, enqueuePod)
      }
      for (const informer of [jobs, pods] as Informer<KubernetesObject>[]) {
        informer.on('error', (error: unknown) => {
          this.#o.log.warn({ err: error }, 'watch failed; restarting it')
          setTimeout(() => void informer.start().catch(() => {}), 2000)
        })
      }
      this.#jobInformers.push(jobs)
      this.#podInformers.push(pods)
    }
    await Promise.all([...this.#jobInformers, ...this.#podInformers].map((i) => i.start()))
    this.#synced = true
    // Only now: a pass that ran on a filled job cache but a still-empty pod cache would take
    // every running worker for gone and start new attempts (a new leader did, in the demo).
    this.queue.release()
    setInterval(() => this.#countPhases(), 10_000).unref()
  }

  async stop(): Promise<void> {
    this.queue.stop()
    await Promise.all([...this.#jobInformers, ...this.#podInformers].map((i) => i.stop().catch(() => {})))
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
    const cached = this.#jobInformers.map((i) => i.get(name, namespace)).find(Boolean) as StreamJob | undefined
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
    const { namespace, name, uid } = job.metadata
    const raw = this.#podInformers
      .flatMap((i) => i.list(namespace))
      .filter(
        (p) =>
          p.metadata?.labels?.[LABEL.job] === name && (p.metadata?.ownerReferences ?? []).some((o) => o.uid === uid),
      )
    const pods = raw.flatMap((p) => observePod(p) ?? [])
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
    for (const informer of this.#jobInformers) {
      for (const job of informer.list() as unknown as StreamJob[]) {
        const phase = job.status?.phase ?? 'Pending'
        counts.set(phase, (counts.get(phase) ?? 0) + 1)
      }
    }
    this.#o.metrics.setJobsPerPhase(counts)
  }
}
