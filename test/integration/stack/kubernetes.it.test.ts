import { RbacAuthorizationV1Api, type V1Pod } from '@kubernetes/client-node'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { kubeTools } from '../../../stack/kubectl.ts'
import { isAlive } from '../../../stack/process-group.ts'
import { containerPid } from '../../../stack/real-node/pod-inspect.ts'
import { waitFor as eventually } from '../../../stack/wait.ts'
import { createNamespace, fixturePod, kubeFor } from '../helpers/kube.ts'

const stack = inject('stack')
const { kc, core, nodeName } = kubeFor(stack)
let namespace = ''

beforeAll(async () => {
  namespace = await createNamespace(core, 'smoke')
})

async function createPod(pod: V1Pod): Promise<void> {
  await core.createNamespacedPod({ namespace, body: pod })
}

async function waitForPhase(name: string, phases: string[]): Promise<V1Pod> {
  return eventually(`pod ${name} is ${phases.join(' or ')}`, async () => {
    const pod = await core.readNamespacedPod({ name, namespace })
    return phases.includes(pod.status?.phase ?? '') ? pod : undefined
  })
}

const serveSpec = (name: string, extra: Partial<V1Pod['spec']> = {}): V1Pod => {
  const pod = fixturePod(name, ['serve'], extra)
  const container = pod.spec!.containers[0]!
  container.env = [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'GREETING', value: 'hello from $(POD_NAME)' },
  ]
  container.ports = [{ name: 'http', containerPort: 8080 }]
  container.readinessProbe = { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 }
  return pod
}

async function waitReady(name: string): Promise<V1Pod> {
  return eventually(`pod ${name} is Ready`, async () => {
    const pod = await core.readNamespacedPod({ name, namespace })
    return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? pod : undefined
  })
}

// Side by side: each test has its own pods, and mostly waits on the kubelet.
describe.concurrent('Kubernetes control plane and the real node', () => {
  it('kubectl lists the real node as Ready, with its kubelet version and containerd', async () => {
    const kube = await kubeTools({ kubeconfig: stack.kube!.kubeconfig })
    const stdout = await kube.kubectl(['get', 'nodes'])
    expect(stdout).toMatch(new RegExp(`${nodeName}\\s+Ready`))
    const wide = await kube.kubectl(['get', 'node', nodeName, '-o', 'wide'])
    expect(wide).toMatch(/v1\.36\.3/)
    expect(wide).toMatch(/containerd:\/\/1\.6/)
  })

  it('a pod whose process exits 0 ends Succeeded', async () => {
    await createPod(fixturePod('exit-zero', ['exit', '0']))
    const pod = await waitForPhase('exit-zero', ['Succeeded', 'Failed'])
    expect(pod.status?.phase).toBe('Succeeded')
    expect(pod.spec?.nodeName).toBe(nodeName)
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0)
  })

  it('a pod whose process exits 1 ends Failed with its exit code', async () => {
    await createPod(fixturePod('exit-one', ['exit', '1']))
    const pod = await waitForPhase('exit-one', ['Succeeded', 'Failed'])
    expect(pod.status?.phase).toBe('Failed')
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' })
  })

  it('restartPolicy OnFailure restarts a failing container and counts restarts', async () => {
    await createPod(fixturePod('restarts', ['exit', '3'], { restartPolicy: 'OnFailure' }))
    // Once is enough to show it: the kubelet's back-off makes the second restart wait 10 s.
    const pod = await eventually('pod restarts has restarted', async () => {
      const p = await core.readNamespacedPod({ name: 'restarts', namespace })
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? p : undefined
    })
    expect(pod.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(3)
    await core.deleteNamespacedPod({ name: 'restarts', namespace })
  })

  it('a process sees its own pod name, namespace and IP, and serves on that IP', async () => {
    await createPod(serveSpec('env-check'))
    const pod = await waitReady('env-check')
    const podIP = pod.status?.podIP
    // An address of the bridge's /24 in the pod's own network namespace, not the host's.
    expect(podIP).toMatch(/^10\.244\.77\.\d+$/)
    expect(podIP).not.toBe(stack.host)
    const { env } = (await (await fetch(`http://${podIP}:8080/`)).json()) as { env: Record<string, string> }
    expect(env).toMatchObject({
      POD_NAME: 'env-check',
      POD_NAMESPACE: namespace,
      POD_IP: podIP,
      GREETING: 'hello from env-check',
    })
  })

  it("a pod's service-account token is subject to RBAC", async () => {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'reader' } } })
    await createPod(serveSpec('rbac-check', { serviceAccountName: 'reader' }))
    const pod = await waitReady('rbac-check')
    const status = async () => {
      const res = await fetch(`http://${pod.status!.podIP}:8080/api?path=/api/v1/namespaces/${namespace}/pods`)
      return ((await res.json()) as { status: number }).status
    }
    expect(await status()).toBe(403)
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api)
    await rbac.createNamespacedRole({
      namespace,
      body: { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] },
    })
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'reader-can-list' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace }],
      },
    })
    await eventually('the role binding takes effect', async () => ((await status()) === 200 ? true : undefined))
  })

  it('deleting a running pod stops its process and removes the pod', async () => {
    await createPod(serveSpec('to-delete'))
    const pod = await waitReady('to-delete')
    const pid = containerPid(pod)
    expect(pid).toBeGreaterThan(0)
    expect(isAlive(pid!)).toBe(true)
    await core.deleteNamespacedPod({ name: 'to-delete', namespace })
    await eventually('pod to-delete is gone', async () =>
      core.readNamespacedPod({ name: 'to-delete', namespace }).then(
        () => undefined,
        (error: { code?: number }) => (error.code === 404 ? true : undefined),
      ),
    )
    expect(isAlive(pid!)).toBe(false)
  })

  it('an owned pod is garbage-collected when its owner is deleted', async () => {
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' } } })
    const pod = serveSpec('owned')
    pod.metadata!.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }]
    await createPod(pod)
    const running = await waitReady('owned')
    const pid = containerPid(running)
    expect(pid).toBeGreaterThan(0)
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace })
    await eventually(
      'the owned pod is collected',
      async () =>
        core.readNamespacedPod({ name: 'owned', namespace }).then(
          () => undefined,
          (error: { code?: number }) => (error.code === 404 ? true : undefined),
        ),
      60_000,
    )
    expect(isAlive(pid!)).toBe(false)
  })
})
