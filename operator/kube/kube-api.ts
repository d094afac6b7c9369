/**
 * The Kubernetes calls the operator makes, over @kubernetes/client-node; translates library
 * errors into answers (`created` / `exists`, `deleted` / `gone`) and decides nothing. The verbs
 * here are the whole RBAC the chart grants (charts/exactly/templates/rbac.yaml): add a call,
 * add its rule.
 */
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
  type V1Lease,
  type V1NetworkPolicy,
  type V1Pod,
  type V1PodDisruptionBudget,
} from '@kubernetes/client-node'
import type { StreamJob, StreamJobStatus } from '../api/streamjob-types.ts'
import { FIELD_MANAGER, PAUSE_ANNOTATION } from '../model/names.ts'

export const GROUP = 'exactly.dev'
export const VERSION = 'v1alpha1'
export const PLURAL = 'streamjobs'

/** A create whose AlreadyExists (409) means an earlier pass did it: the name is the job's. */
async function createOnce(create: () => Promise<unknown>): Promise<'created' | 'exists'> {
  try {
    await create()
    return 'created'
  } catch (error) {
    if (httpStatus(error) === 409) return 'exists'
    throw error
  }
}

export function httpStatus(error: unknown): number | undefined {
  const e = error as { code?: number; statusCode?: number; response?: { statusCode?: number } }
  return e?.code ?? e?.statusCode ?? e?.response?.statusCode
}

const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch)

type TestOp = { op: 'test'; path: string; value: unknown }

/** RFC 6901: `~` and `/` inside a key are escaped. */
const pointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1')

/**
 * PURE. JSON-patch tests that hold while a StreamJob still has everything `decide` read from it
 * besides its pods: the same object (uid), spec (generation: every spec change bumps it), deletion
 * mark, pause annotation and status. A status decided on this copy may then be written even when
 * the resourceVersion moved for another reason (our own finalizer write, a label): only a change
 * that could alter the decision refuses it. A field decide() starts to read must be added here.
 * The API server treats a missing member as null, but not a member of a missing object, hence
 * the two forms of the annotation test.
 */
export function decisionInputTests(job: StreamJob): TestOp[] {
  const { uid, generation, deletionTimestamp, annotations } = job.metadata
  return [
    { op: 'test', path: '/metadata/uid', value: uid },
    { op: 'test', path: '/metadata/generation', value: generation },
    { op: 'test', path: '/metadata/deletionTimestamp', value: deletionTimestamp ?? null },
    annotations
      ? {
          op: 'test',
          path: `/metadata/annotations/${pointer(PAUSE_ANNOTATION)}`,
          value: annotations[PAUSE_ANNOTATION] ?? null,
        }
      : { op: 'test', path: '/metadata/annotations', value: null },
    { op: 'test', path: '/status', value: job.status ?? null },
  ]
}

/** How a status write knows its copy is not stale: see `patchStatus`. */
export type StatusGuard = 'resourceVersion' | 'decisionInputs'

export class KubeApi {
  readonly core: CoreV1Api
  readonly custom: CustomObjectsApi
  readonly coordination: CoordinationV1Api
  readonly networking: NetworkingV1Api
  readonly policy: PolicyV1Api

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api)
    this.custom = kc.makeApiClient(CustomObjectsApi)
    this.coordination = kc.makeApiClient(CoordinationV1Api)
    this.networking = kc.makeApiClient(NetworkingV1Api)
    this.policy = kc.makeApiClient(PolicyV1Api)
  }

  async getStreamJob(namespace: string, name: string): Promise<StreamJob | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        name,
      })) as StreamJob
    } catch (error) {
      if (httpStatus(error) === 404) return undefined
      throw error
    }
  }

  /** A Secret's data (base64 values), or undefined when it does not exist. */
  async readSecretData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      return (await this.core.readNamespacedSecret({ namespace, name })).data ?? {}
    } catch (error) {
      if (httpStatus(error) === 404) return undefined
      throw error
    }
  }

  /** Replaces the finalizer list, guarded by resourceVersion (a concurrent change means retry). */
  async setFinalizers(job: StreamJob, finalizers: string[]): Promise<StreamJob> {
    return (await this.custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: job.metadata.namespace,
        plural: PLURAL,
        name: job.metadata.name,
        body: [
          { op: 'test', path: '/metadata/resourceVersion', value: job.metadata.resourceVersion },
          { op: 'replace', path: '/metadata/finalizers', value: finalizers },
        ],
        fieldManager: FIELD_MANAGER,
      },
      jsonPatch,
    )) as StreamJob
  }

  /**
   * Adds one finalizer, guarded by the list it extends (and the uid) rather than by
   * resourceVersion, so it can go out together with a status write to the same object. The API
   * server refuses a new finalizer on an object being deleted, so a deletion in between fails
   * this too.
   */
  async addFinalizer(job: StreamJob, finalizer: string): Promise<StreamJob> {
    const before = job.metadata.finalizers
    return (await this.custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: job.metadata.namespace,
        plural: PLURAL,
        name: job.metadata.name,
        body: [
          { op: 'test', path: '/metadata/uid', value: job.metadata.uid },
          { op: 'test', path: '/metadata/finalizers', value: before ?? null },
          { op: 'add', path: '/metadata/finalizers', value: [...(before ?? []), finalizer] },
        ],
        fieldManager: FIELD_MANAGER,
      },
      jsonPatch,
    )) as StreamJob
  }

  /**
   * Replaces the status. The controller decides from its informer cache, and a decision made on a
   * stale copy must fail here rather than overwrite newer status. The guard is resourceVersion
   * (any change refuses it), or, where a write of our own to the same object is in flight, the
   * inputs of the decision (`decisionInputTests`).
   */
  async patchStatus(
    job: StreamJob,
    status: StreamJobStatus,
    guard: StatusGuard = 'resourceVersion',
  ): Promise<StreamJob> {
    const tests: TestOp[] =
      guard === 'resourceVersion'
        ? [{ op: 'test', path: '/metadata/resourceVersion', value: job.metadata.resourceVersion }]
        : decisionInputTests(job)
    return (await this.custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace: job.metadata.namespace,
        plural: PLURAL,
        name: job.metadata.name,
        // The whole status, replaced: a merge patch would keep fields we dropped (a finished transition).
        body: [...tests, { op: 'add', path: '/status', value: status }],
        fieldManager: FIELD_MANAGER,
      },
      jsonPatch,
    )) as StreamJob
  }

  createPod(pod: V1Pod): Promise<'created' | 'exists'> {
    const namespace = pod.metadata!.namespace!
    return createOnce(() => this.core.createNamespacedPod({ namespace, body: pod, fieldManager: FIELD_MANAGER }))
  }

  /** Create only (the chart grants no other verb on NetworkPolicies): an existing one is left as it is. */
  createNetworkPolicy(policy: V1NetworkPolicy): Promise<'created' | 'exists'> {
    const namespace = policy.metadata!.namespace!
    return createOnce(() =>
      this.networking.createNamespacedNetworkPolicy({ namespace, body: policy, fieldManager: FIELD_MANAGER }),
    )
  }

  /** Create only, like the NetworkPolicy. */
  createPodDisruptionBudget(budget: V1PodDisruptionBudget): Promise<'created' | 'exists'> {
    const namespace = budget.metadata!.namespace!
    return createOnce(() =>
      this.policy.createNamespacedPodDisruptionBudget({ namespace, body: budget, fieldManager: FIELD_MANAGER }),
    )
  }

  async deletePod(namespace: string, name: string): Promise<'deleted' | 'gone'> {
    try {
      await this.core.deleteNamespacedPod({ namespace, name })
      return 'deleted'
    } catch (error) {
      if (httpStatus(error) === 404) return 'gone'
      throw error
    }
  }

  async createEvent(
    job: StreamJob,
    event: { type: 'Normal' | 'Warning'; reason: string; message: string },
    reportingInstance: string,
    now: Date,
  ): Promise<void> {
    const { namespace, name, uid, resourceVersion } = job.metadata
    await this.core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${name}.`, namespace },
        involvedObject: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'StreamJob',
          name,
          namespace,
          ...(uid ? { uid } : {}),
          ...(resourceVersion ? { resourceVersion } : {}),
        },
        type: event.type,
        reason: event.reason,
        message: event.message.slice(0, 1024),
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        source: { component: FIELD_MANAGER },
        reportingComponent: 'exactly.dev/operator',
        reportingInstance,
      },
    })
  }

  async readLease(namespace: string, name: string): Promise<V1Lease | undefined> {
    try {
      return await this.coordination.readNamespacedLease({ namespace, name })
    } catch (error) {
      if (httpStatus(error) === 404) return undefined
      throw error
    }
  }

  createLease(lease: V1Lease): Promise<V1Lease> {
    return this.coordination.createNamespacedLease({ namespace: lease.metadata!.namespace!, body: lease })
  }

  replaceLease(lease: V1Lease): Promise<V1Lease> {
    return this.coordination.replaceNamespacedLease({
      namespace: lease.metadata!.namespace!,
      name: lease.metadata!.name!,
      body: lease,
    })
  }
}
