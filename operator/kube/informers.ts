/**
 * The informers the controller reads: StreamJobs, and the pods the operator made, in each watched
 * namespace (or cluster-wide). Every event becomes the key of one StreamJob, a pod's being its
 * owner's (controller-runtime's `For`/`Owns`): the controller never sees an event, only keys to
 * reconcile, and reads the objects back through `JobCache`. Decides nothing.
 */
import type {
  Informer as ClientInformer,
  KubeConfig,
  KubernetesObject,
  ObjectCache,
  V1Pod,
} from '@kubernetes/client-node'
import type { Logger } from 'pino'
import type { StreamJob } from '../api/streamjob-types.ts'
import { LABEL } from '../model/labels.ts'
import { GROUP, type KubeApi, PLURAL, VERSION } from './kube-api.ts'
import { makeSlimInformer, slimMetadata } from './slim-informer.ts'

/** What a reconcile pass reads from the caches. */
export interface JobCache {
  /** The job as the cache holds it; undefined when it is not (or no longer) there. */
  getJob(namespace: string, name: string): StreamJob | undefined
  /** The pods the operator made for `job`: its label, and an owner reference to this very object (uid). */
  podsOf(job: StreamJob): V1Pod[]
  listJobs(): StreamJob[]
}

/** The caches, with their life cycle. */
export interface JobInformers extends JobCache {
  /** Lists and watches; resolves once every cache is filled. `onKey` hears `namespace/name` of each job to look at. */
  start(onKey: (key: string) => void): Promise<void>
  stop(): Promise<void>
}

type Informer<T extends KubernetesObject> = ClientInformer<T> & ObjectCache<T>

const MANAGED = `${LABEL.managedBy}=exactly-operator`
/** A watch that failed is started again after this long (the informer does not do it itself). */
const WATCH_RESTART_MS = 2000

/**
 * A pod is read only through observePod (labels, owner, status): its spec, the larger part of a
 * worker pod, is not kept in the cache.
 */
function slimPod(pod: V1Pod): V1Pod {
  slimMetadata(pod)
  delete pod.spec
  return pod
}

export class StreamJobInformers implements JobInformers {
  readonly #kc: KubeConfig
  readonly #api: KubeApi
  readonly #log: Logger
  /** Empty: every namespace. */
  readonly #namespaces: readonly string[]
  /** Custom objects arrive as plain JSON: read them as StreamJob. */
  readonly #jobs: Informer<KubernetesObject>[] = []
  readonly #pods: Informer<V1Pod>[] = []

  constructor(o: { kc: KubeConfig; api: KubeApi; log: Logger; namespaces: readonly string[] }) {
    this.#kc = o.kc
    this.#api = o.api
    this.#log = o.log
    this.#namespaces = o.namespaces
  }

  async start(onKey: (key: string) => void): Promise<void> {
    const api = this.#api
    const scopes = this.#namespaces.length === 0 ? [undefined] : this.#namespaces
    for (const ns of scopes) {
      const jobs = makeSlimInformer<KubernetesObject>(
        this.#kc,
        ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`,
        () =>
          (ns
            ? api.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL })
            : api.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as never,
        slimMetadata,
      )
      const pods = makeSlimInformer<V1Pod>(
        this.#kc,
        ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods',
        () =>
          ns
            ? api.core.listNamespacedPod({ namespace: ns, labelSelector: MANAGED })
            : api.core.listPodForAllNamespaces({ labelSelector: MANAGED }),
        slimPod,
        MANAGED,
      )
      const enqueueJob = (job: KubernetesObject) => onKey(`${job.metadata?.namespace}/${job.metadata?.name}`)
      const enqueuePod = (pod: V1Pod) => {
        const job = pod.metadata?.labels?.[LABEL.job]
        if (job && pod.metadata?.namespace) onKey(`${pod.metadata.namespace}/${job}`)
      }
      for (const verb of ['add', 'update', 'delete'] as const) {
        jobs.on(verb, enqueueJob)
        pods.on(verb, enqueuePod)
      }
      for (const informer of [jobs, pods] as Informer<KubernetesObject>[]) {
        informer.on('error', (error: unknown) => {
          this.#log.warn({ err: error }, 'watch failed; restarting it')
          setTimeout(() => void informer.start().catch(() => {}), WATCH_RESTART_MS)
        })
      }
      this.#jobs.push(jobs)
      this.#pods.push(pods)
    }
    await Promise.all([...this.#jobs, ...this.#pods].map((i) => i.start()))
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#jobs, ...this.#pods].map((i) => i.stop().catch(() => {})))
  }

  getJob(namespace: string, name: string): StreamJob | undefined {
    return this.#jobs.map((i) => i.get(name, namespace)).find(Boolean) as StreamJob | undefined
  }

  podsOf(job: StreamJob): V1Pod[] {
    const { namespace, name, uid } = job.metadata
    return this.#pods
      .flatMap((i) => i.list(namespace))
      .filter(
        (p) =>
          p.metadata?.labels?.[LABEL.job] === name && (p.metadata?.ownerReferences ?? []).some((o) => o.uid === uid),
      )
  }

  listJobs(): StreamJob[] {
    return this.#jobs.flatMap((i) => i.list() as unknown as StreamJob[])
  }
}
