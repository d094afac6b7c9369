/** Helpers over @kubernetes/client-node for integration tests against the real API server. */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node'
import { CRD_FILE } from '../../../operator/api/crd-yaml.ts'
import type { KubeTools } from '../../../stack/kubectl.ts'
import { REPO_ROOT } from '../../../stack/repo-root.ts'
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

/**
 * Applies the StreamJob CRD checked in under crds/, server-side as the tests' field manager
 * (other test files may have applied it before). It may not be Established yet.
 */
export async function applyStreamJobCrd(tools: Pick<KubeTools, 'kubectl'>): Promise<void> {
  await tools.kubectl([
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=exactly-tests',
    '-f',
    join(REPO_ROOT, CRD_FILE),
  ])
}

/**
 * A pod running test/integration/fixtures/pod-fixture.ts in the exactly image; the fixture is
 * not in the image, so a hostPath volume lends it from the checkout, read-only.
 */
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
          command: ['node', '/fixtures/pod-fixture.ts', ...args],
          volumeMounts: [{ name: 'fixtures', mountPath: '/fixtures', readOnly: true }],
        },
      ],
      volumes: [
        { name: 'fixtures', hostPath: { path: join(REPO_ROOT, 'test/integration/fixtures'), type: 'Directory' } },
      ],
      ...extra,
    },
  }
}
