/** The few Kubernetes calls the node agent makes, over @kubernetes/client-node. */
import {
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Lease,
  type V1Node,
  type V1Pod,
  type V1PodStatus,
} from '@kubernetes/client-node'

export function isStatus(error: unknown, code: number): boolean {
  const e = error as { code?: number; statusCode?: number; response?: { statusCode?: number } }
  return e?.code === code || e?.statusCode === code || e?.response?.statusCode === code
}

export class AgentKubeApi {
  readonly core: CoreV1Api
  readonly coordination: CoordinationV1Api

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api)
    this.coordination = kc.makeApiClient(CoordinationV1Api)
  }

  async patchPodStatus(pod: V1Pod, status: V1PodStatus): Promise<void> {
    await this.core.patchNamespacedPodStatus(
      { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )
  }

  async bindPod(pod: V1Pod, nodeName: string): Promise<void> {
    const { name, namespace, uid } = pod.metadata!
    await this.core.createNamespacedBinding({
      namespace: namespace!,
      body: {
        metadata: { name: name!, namespace: namespace!, uid: uid! },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      },
    })
  }

  /** The kubelet's last word on a pod: delete it for good once its containers are gone. */
  async finalizePodDeletion(pod: V1Pod): Promise<void> {
    const { name, namespace, uid } = pod.metadata!
    try {
      await this.core.deleteNamespacedPod({
        name: name!,
        namespace: namespace!,
        gracePeriodSeconds: 0,
        body: { preconditions: { uid: uid! }, gracePeriodSeconds: 0 },
      })
    } catch (error) {
      if (!isStatus(error, 404) && !isStatus(error, 409)) throw error
    }
  }

  async serviceAccountToken(namespace: string, serviceAccount: string, pod: V1Pod): Promise<string> {
    const response = await this.core.createNamespacedServiceAccountToken({
      name: serviceAccount,
      namespace,
      body: {
        spec: {
          audiences: [],
          expirationSeconds: 24 * 3600,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name!, uid: pod.metadata!.uid! },
        },
      },
    })
    const token = response.status?.token
    if (!token)
      throw new Error(
        `Cannot mint a token for service account ${namespace}/${serviceAccount}: empty TokenRequest status`,
      )
    return token
  }

  async automountsToken(pod: V1Pod): Promise<boolean> {
    if (pod.spec?.automountServiceAccountToken !== undefined) return pod.spec.automountServiceAccountToken
    try {
      const sa = await this.core.readNamespacedServiceAccount({
        name: pod.spec?.serviceAccountName ?? 'default',
        namespace: pod.metadata!.namespace!,
      })
      return sa.automountServiceAccountToken ?? true
    } catch (error) {
      if (isStatus(error, 404)) return true
      throw error
    }
  }

  async secretData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const secret = await this.core.readNamespacedSecret({ name, namespace })
      const data: Record<string, string> = {}
      for (const [k, v] of Object.entries(secret.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8')
      return { ...data, ...(secret.stringData ?? {}) }
    } catch (error) {
      if (isStatus(error, 404)) return undefined
      throw error
    }
  }

  async configMapData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      return (await this.core.readNamespacedConfigMap({ name, namespace })).data ?? {}
    } catch (error) {
      if (isStatus(error, 404)) return undefined
      throw error
    }
  }

  async registerNode(node: V1Node): Promise<void> {
    try {
      await this.core.createNode({ body: node })
    } catch (error) {
      if (!isStatus(error, 409)) throw error
    }
    await this.core.patchNodeStatus(
      { name: node.metadata!.name!, body: { status: node.status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )
  }

  /** Renews the node's heartbeat Lease, which the node-lifecycle controller watches. */
  async renewLease(nodeName: string, durationSeconds: number, now: Date): Promise<void> {
    const namespace = 'kube-node-lease'
    // Lease times are MicroTime (six fractional digits); the client would send a Date with three.
    const renewTime = now.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date
    const spec = { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime }
    try {
      const lease = await this.coordination.readNamespacedLease({ name: nodeName, namespace })
      lease.spec = { ...lease.spec, ...spec }
      await this.coordination.replaceNamespacedLease({ name: nodeName, namespace, body: lease })
    } catch (error) {
      if (!isStatus(error, 404)) throw error
      const body: V1Lease = { metadata: { name: nodeName, namespace }, spec }
      await this.coordination.createNamespacedLease({ namespace, body })
    }
  }
}
