/** Helpers over @kubernetes/client-node for integration tests against the real API server. */
import { randomUUID } from 'node:crypto'
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node'
import type { StackInfo } from '../../../stack/stack.ts'
import { waitFor } from '../../../stack/wait.ts'

export function kubeFor(stack: StackInfo): { kc: KubeConfig; core: CoreV1Api; nodeName: string } {
  if (!stack.kube) throw new Error('The integration stack has no Kubernetes control plane')
  const kc = new KubeConfig()
  kc.loadFromFile(stack.kube.kubeconfig)
  return { kc, core: kc.makeApiClient(CoreV1Api), nodeName: stack.kube.nodeName }
}

/** A fresh namespace whose default service account exists (the controller-manager creates it). */
export async function createNamespace(core: CoreV1Api, prefix: string): Promise<string> {
  const name = `${prefix}-${randomUUID().slice(0, 6)}`
  await core.createNamespace({ body: { metadata: { name } } })
  await waitFor(`service account ${name}/default exists`, async () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace: name }).then(() => true),
  )
  return name
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
