/**
 * The chart's pod policy (templates/pod-policy.yaml), applied for real on the real API server:
 * as the operator's ServiceAccount, the pods the operator builds (operator/model/worker-pod.ts)
 * are admitted and every other pod shape is refused with a message that names what is wrong;
 * anyone else is not bound by it. Its NetworkPolicy twin (templates/network-policy-policy.yaml)
 * the same way, for operator/model/network-policy.ts. Creates are server-side dry runs:
 * admitted, never stored.
 */
import { randomUUID } from 'node:crypto'
import { dumpYaml, type V1NetworkPolicy, type V1Pod } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { jobDurations } from '../../../operator/model/job-durations.ts'
import { desiredNetworkPolicy } from '../../../operator/model/network-policy.ts'
import { desiredRecoverPod, desiredWorkerPod } from '../../../operator/model/worker-pod.ts'
import { waitFor } from '../../../stack/wait.ts'
import { streamJob } from '../../unit/operator/fixtures.ts'
import { createNamespace, kubeFor } from '../helpers/kube.ts'
import { kubectl, templateText } from './chart.ts'

const stack = inject('stack')
const { core } = kubeFor(stack)
const kubeconfig = stack.kube!.kubeconfig
const release = `pp-${randomUUID().slice(0, 6)}`
const WITH_VAP_API = ['--api-versions', 'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy']
const ALLOWED_SECRET = 's3-creds'

let releaseNamespace = ''
let jobNamespace = ''
let manifests = ''

/** The operator's own worker pod for a job in `jobNamespace`. */
function workerPod(patch: (pod: V1Pod) => void = () => {}): V1Pod {
  const job = streamJob({}, { namespace: jobNamespace })
  job.spec.checkpoint.storage.credentialsSecretRef = { name: ALLOWED_SECRET }
  const pod = desiredWorkerPod(
    job,
    { generation: 1, slot: 0, attempt: 1 },
    { revision: 'r1', terminationGracePeriodSeconds: 60, durations: jobDurations(job.spec) },
  )
  patch(pod)
  return pod
}

/** The operator's NetworkPolicy for a job in `jobNamespace`, with a Prometheus as metrics peer. */
function networkPolicy(patch: (policy: V1NetworkPolicy) => void = () => {}): V1NetworkPolicy {
  const prometheus = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }
  const settings = { operatorNamespace: releaseNamespace, operatorPodLabels: { app: 'op' }, metricsFrom: [prometheus] }
  const policy = desiredNetworkPolicy(streamJob({}, { namespace: jobNamespace }), settings)
  patch(policy)
  return policy
}

/** A server-side dry-run create of `pod`, as `user` (the operator's ServiceAccount by default). */
async function create(
  object: V1Pod | V1NetworkPolicy,
  user = `system:serviceaccount:${releaseNamespace}:${release}-exactly`,
) {
  return kubectl(
    kubeconfig,
    ['create', '--dry-run=server', `--as=${user}`, '-n', jobNamespace, '-o', 'name', '-f', '-'],
    // A NetworkPolicy as client-node writes it for the operator (`_from` becomes `from`).
    object.kind === 'NetworkPolicy' ? dumpYaml(object) : JSON.stringify(object),
  )
}

async function refusal(object: V1Pod | V1NetworkPolicy): Promise<string> {
  const result = await create(object)
  expect(result.code, `admitted although it should be refused: ${result.stdout}`).not.toBe(0)
  return result.stderr
}

describe('charts/exactly pod policy', () => {
  beforeAll(async () => {
    releaseNamespace = await createNamespace(core, 'pp-release')
    jobNamespace = await createNamespace(core, 'pp-jobs')
    manifests = await templateText(release, releaseNamespace, [
      ...WITH_VAP_API,
      '--set',
      `watchNamespaces={${jobNamespace}}`,
      '--set',
      `podPolicy.allowedSecrets={${ALLOWED_SECRET}}`,
      '--show-only',
      'templates/serviceaccount.yaml',
      '--show-only',
      'templates/rbac.yaml',
      '--show-only',
      'templates/pod-policy.yaml',
      '--show-only',
      'templates/network-policy-policy.yaml',
    ])
    const applied = await kubectl(kubeconfig, ['apply', '-f', '-'], manifests)
    expect(applied.code, applied.stderr).toBe(0)
    // The API server loads a new policy asynchronously: wait until it refuses a host-network pod.
    await waitFor(
      'the pod policy takes effect',
      async () => ((await create(workerPod((p) => (p.spec!.hostNetwork = true)))).code !== 0 ? true : undefined),
      30_000,
    )
    await waitFor(
      'the NetworkPolicy policy takes effect',
      async () => ((await create(networkPolicy((p) => (p.spec!.podSelector = {})))).code !== 0 ? true : undefined),
      30_000,
    )
  })

  afterAll(async () => {
    if (manifests) await kubectl(kubeconfig, ['delete', '--ignore-not-found', '-f', '-'], manifests)
  })

  it('admits the worker and recover pods the operator builds', async () => {
    const worker = await create(workerPod())
    expect(worker.code, worker.stderr).toBe(0)
    expect(worker.stdout.trim()).toBe('pod/counts-g1-s0-a1')
    const job = streamJob({}, { namespace: jobNamespace })
    const recover = desiredRecoverPod(
      job,
      { generation: 1, parallelism: 2, nextGeneration: 2, reason: 'rescale', restore: { kind: 'heads' } },
      { revision: 'r1', terminationGracePeriodSeconds: 60, durations: jobDurations(job.spec) },
    )
    const result = await create(recover)
    expect(result.code, result.stderr).toBe(0)
  })

  it('refuses a pod that no StreamJob controls', async () => {
    const stderr = await refusal(workerPod((p) => delete p.metadata!.ownerReferences))
    expect(stderr).toContain('may only create pods controlled by a StreamJob')
  })

  it('refuses a pod that mounts a service account token', async () => {
    const stderr = await refusal(workerPod((p) => delete p.spec!.automountServiceAccountToken))
    expect(stderr).toContain('must not mount a service account token')
  })

  it('refuses host namespaces, host paths and a privileged or capable container', async () => {
    // The API server itself refuses hostPID next to the pod's own shared process namespace.
    const hostPid = workerPod((p) => {
      p.spec!.hostPID = true
      delete p.spec!.shareProcessNamespace
    })
    expect(await refusal(hostPid)).toContain("must not use the host's network")
    // Next to the operator's own config volume, which the pod mounts (the shape stays valid otherwise).
    const hostRoot = workerPod((p) => p.spec!.volumes!.push({ name: 'root', hostPath: { path: '/' } }))
    expect(await refusal(hostRoot)).toContain('may only mount configMap, secret, emptyDir and downwardAPI volumes')
    // The API server itself refuses privileged without privilege escalation: ask for both.
    const privileged = workerPod((p) => {
      p.spec!.containers[0]!.securityContext = {
        ...p.spec!.containers[0]!.securityContext,
        privileged: true,
        allowPrivilegeEscalation: true,
      }
    })
    expect(await refusal(privileged)).toContain('must drop ALL capabilities')
    expect(
      await refusal(workerPod((p) => (p.spec!.containers[0]!.securityContext!.capabilities = { add: ['NET_ADMIN'] }))),
    ).toContain('must drop ALL capabilities')
    expect(await refusal(workerPod((p) => delete p.spec!.securityContext))).toContain('must run as non-root')
  })

  it('refuses a Secret that is not on the allow-list, naming it', async () => {
    const stderr = await refusal(
      workerPod((p) =>
        p.spec!.containers[0]!.env!.push({
          name: 'STOLEN',
          valueFrom: { secretKeyRef: { name: 'someone-elses', key: 'password' } },
        }),
      ),
    )
    expect(stderr).toContain('Secret "someone-elses" is not in the chart value podPolicy.allowedSecrets')
  })

  it('binds only the operator: another user may create the same foreign pod shape', async () => {
    const foreign = workerPod((p) => delete p.metadata!.ownerReferences)
    const admin = await kubectl(
      kubeconfig,
      ['create', '--dry-run=server', '-n', jobNamespace, '-o', 'name', '-f', '-'],
      JSON.stringify(foreign),
    )
    expect(admin.code, admin.stderr).toBe(0)
  })

  it('admits the NetworkPolicy the operator builds, and refuses any other shape from the operator', async () => {
    const admitted = await create(networkPolicy())
    expect(admitted.code, admitted.stderr).toBe(0)
    expect(admitted.stdout.trim()).toBe('networkpolicy.networking.k8s.io/counts-workers-uid-1')
    expect(await refusal(networkPolicy((p) => delete p.metadata!.ownerReferences))).toContain(
      'may only create NetworkPolicies controlled by a StreamJob',
    )
    // Policies add up: one selecting every pod could open the whole namespace.
    expect(await refusal(networkPolicy((p) => (p.spec!.podSelector = {})))).toContain(
      "only select one job's worker pods",
    )
    const otherPort = networkPolicy((p) => (p.spec!.ingress![0]!.ports = [{ protocol: 'TCP', port: 22 }]))
    expect(await refusal(otherPort)).toContain('only to the worker port 8080')
    const egress = networkPolicy((p) => {
      p.spec!.policyTypes = ['Ingress', 'Egress']
      p.spec!.egress = [{}]
    })
    expect(await refusal(egress)).toContain('may only allow ingress')
  })
})
