/** Helpers over @kubernetes/client-node for integration tests against the real API server. */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node'
import type { StackInfo } from '../../../stack/stack.ts'

export function kubeFor(stack: StackInfo): { kc: KubeConfig; core: CoreV1Api; nodeName: string } {
  if (!stack.kube) throw new Error('The integration stack has no Kubernetes control plane')
  const kc = new KubeConfig()
  kc.loadFromFile(stack.kube.kubeconfig)
  return { kc, core: kc.makeApiClient(CoreV1Api), nodeName: stack.kube.nodeName }
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes, then fails with `what`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      lastError = error
    }
    await sleep(intervalMs)
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting until ${what}${lastError ? ` (last error: ${lastError})` : ''}`,
  )
}

/** A fresh namespace whose default service account exists (the controller-manager creates it). */
export async function createNamespace(core: CoreV1Api, prefix: string): Promise<string> {
  const name = `${prefix}-${randomUUID().slice(0, 6)}`
  await core.createNamespace({ body: { metadata: { name } } })
  await eventually(`service account ${name}/default exists`, async () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace: name }).then(() => true),
  )
  return name
}

export async function podPhase(core: CoreV1Api, namespace: string, name: string): Promise<V1Pod> {
  return core.readNamespacedPod({ name, namespace })
}

export function fixturePod(name: string, args: string[], extra: Partial<V1Pod['spec']> = {}): V1Pod {
  return {
    metadata: { name },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: 'main',
          image: 'exactly:dev',
          command: ['node', '/app/test/integration/fixtures/pod-fixture.ts', ...args],
        },
      ],
      ...extra,
    },
  }
}

export function pidOf(pod: V1Pod): number | undefined {
  const id = pod.status?.containerStatuses?.[0]?.containerID
  return id?.startsWith('local://') ? Number(id.slice('local://'.length)) : undefined
}
