/**
 * charts/exactly with the real helm and kubectl binaries and the real kube-apiserver: lint,
 * render, schema, a server-side dry run of everything it renders (under the restricted Pod
 * Security Standard), and its RBAC applied for real and asked with `kubectl auth can-i`.
 */
import { createPrivateKey, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { waitFor as eventually } from '../../../stack/wait.ts'
import { createNamespace, kubeFor } from '../helpers/kube.ts'
import {
  CHART_CRD,
  CHART_DIR,
  find,
  helm,
  kubectl,
  type PolicyRule,
  permissions,
  REPO_CRD,
  render,
  templateText,
  tools,
} from './chart.ts'

const stack = inject('stack')
const { core } = kubeFor(stack)
const kubeconfig = stack.kube!.kubeconfig
const id = randomUUID().slice(0, 6)

/** Everything the operator does (operator/kube, operator/controller); one more verb fails the test. */
const JOB_RULES: PolicyRule[] = [
  { apiGroups: ['exactly.dev'], resources: ['streamjobs'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
  { apiGroups: ['exactly.dev'], resources: ['streamjobs/status'], verbs: ['get', 'update', 'patch'] },
  { apiGroups: ['exactly.dev'], resources: ['streamjobs/finalizers'], verbs: ['update'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['create'] },
]
const LEADER_ELECTION_RULES: PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
]

// Release names are unique per run: ClusterRoles are cluster-wide and the stack is shared.
const clusterWide = `cw-${id}`
const narrowed = `nw-${id}`
/** The namespace both test releases install into, and two namespaces a release may watch. */
let releaseNamespace = ''
let watched: [string, string] = ['', '']
/** Only the ServiceAccount and RBAC: applied for real (the operator's code is someone else's test). */
const RBAC_ONLY = ['--show-only', 'templates/serviceaccount.yaml', '--show-only', 'templates/rbac.yaml']
const watchArg = () => `watchNamespaces={${watched.join(',')}}`
/** What `helm install` sees on a cluster with MutatingAdmissionPolicy (1.36+); `helm template` alone does not. */
const WITH_POLICY_API = ['--api-versions', 'admissionregistration.k8s.io/v1/MutatingAdmissionPolicy']
const FINALIZER = 'exactly.dev/stop-cleanly'

/** A valid StreamJob as JSON, for server-side dry-run creates. */
function streamJob(name: string, finalizers?: string[]): string {
  return JSON.stringify({
    apiVersion: 'exactly.dev/v1alpha1',
    kind: 'StreamJob',
    metadata: { name, ...(finalizers ? { finalizers } : {}) },
    spec: {
      image: 'exactly:dev',
      job: { module: '/app/examples/word-count/job.ts' },
      kafka: { bootstrapServers: ['kafka:9092'], source: { topics: ['in'] }, sink: { topic: 'out' } },
      checkpoint: { storage: { uri: 's3://bucket/jobs' } },
    },
  })
}

async function ok(what: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> {
  const result = await what
  if (result.code !== 0) throw new Error(`exit ${result.code}:\n${result.stderr}${result.stdout}`)
  return result.stdout
}

/** `kubectl auth can-i` as the release's operator ServiceAccount: 'yes' or 'no'. */
async function canI(release: string, args: string[]): Promise<string> {
  const serviceAccount = `system:serviceaccount:${releaseNamespace}:${release}-exactly`
  const result = await kubectl(kubeconfig, ['auth', 'can-i', `--as=${serviceAccount}`, ...args])
  const answer = result.stdout.trim()
  if (answer !== 'yes' && answer !== 'no') throw new Error(`kubectl auth can-i ${args.join(' ')}: ${result.stderr}`)
  return answer
}

async function answers(release: string, questions: string[][]): Promise<Record<string, string>> {
  const result: Record<string, string> = {}
  // One at a time: the machine is shared, and the answers read better in order.
  for (const question of questions) result[question.join(' ')] = await canI(release, question)
  return result
}

const allowed = (questions: string[][]) => Object.fromEntries(questions.map((q) => [q.join(' '), 'yes']))
const denied = (questions: string[][]) => Object.fromEntries(questions.map((q) => [q.join(' '), 'no']))

beforeAll(async () => {
  await tools() // fails here, loudly, when helm or kubectl cannot be installed
  releaseNamespace = await createNamespace(core, 'chart')
  watched = [await createNamespace(core, 'chart-a'), await createNamespace(core, 'chart-b')]
  // The restricted Pod Security Standard: the API server warns about a Deployment whose pods
  // would break it, and refuses such pods.
  await ok(
    kubectl(kubeconfig, [
      'label',
      'namespace',
      releaseNamespace,
      'pod-security.kubernetes.io/enforce=restricted',
      'pod-security.kubernetes.io/warn=restricted',
    ]),
  )
})

afterAll(async () => {
  const namespaces = [releaseNamespace, ...watched].filter(Boolean)
  await kubectl(kubeconfig, ['delete', 'namespace', '--wait=false', '--ignore-not-found', ...namespaces])
  for (const release of [clusterWide, narrowed])
    await kubectl(kubeconfig, [
      'delete',
      'clusterrole,clusterrolebinding',
      '--ignore-not-found',
      '-l',
      `app.kubernetes.io/instance=${release}`,
    ])
})

describe('charts/exactly', () => {
  it('ships the same CRD bytes as crds/ (when this fails: node operator/api/generate-crd.ts)', () => {
    const same = readFileSync(CHART_CRD).equals(readFileSync(REPO_CRD))
    expect(
      same,
      'charts/exactly/crds/streamjobs.exactly.dev.yaml differs from the generated crds/streamjobs.exactly.dev.yaml; ' +
        'write both again: node operator/api/generate-crd.ts',
    ).toBe(true)
  })

  it('passes helm lint --strict with the default values and with watchNamespaces', async () => {
    for (const extra of [[], ['--set', 'watchNamespaces={a,b}'], ['--set', 'serviceMonitor.enabled=true']]) {
      const result = await helm(['lint', '--strict', CHART_DIR, ...extra])
      expect(result.code, `helm lint ${extra.join(' ')}:\n${result.stdout}${result.stderr}`).toBe(0)
      expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed')
    }
  })

  it('renders the operator Deployment: image, command, replicas, restricted security context, probes, env', async () => {
    const manifests = await render('exactly', 'exactly-system')
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'Role',
      'RoleBinding',
      'Secret',
      'Service',
      'ServiceAccount',
    ])
    const labels = {
      'app.kubernetes.io/name': 'exactly',
      'app.kubernetes.io/instance': 'exactly',
      'app.kubernetes.io/version': '0.1.0',
      'app.kubernetes.io/managed-by': 'Helm',
      'helm.sh/chart': 'exactly-0.1.0',
    }
    for (const manifest of manifests) expect(manifest.metadata.labels, manifest.kind).toMatchObject(labels)

    const deployment = find(manifests, 'Deployment', 'exactly', 'exactly-system')
    const { spec } = deployment
    expect(spec.replicas).toBe(2)
    expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels)
    // Worker pods also carry app.kubernetes.io/name=exactly; the component keeps them out.
    expect(spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'exactly',
      'app.kubernetes.io/instance': 'exactly',
      'app.kubernetes.io/component': 'operator',
    })
    const pod = spec.template.spec
    expect(pod.serviceAccountName).toBe('exactly')
    expect(pod.automountServiceAccountToken).toBe(true)
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    })
    expect(pod.containers).toHaveLength(1)
    const container = pod.containers[0]
    expect(container.image).toBe('exactly:0.1.0')
    expect(container.command).toEqual([
      'node',
      '--max-semi-space-size=2',
      '--max-old-space-size=160',
      '/app/runtime/cli/exactly.ts',
      'operator',
    ])
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    })
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8081, protocol: 'TCP' }])
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' })
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' })
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } })
    expect(container.env).toEqual([
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'EXACTLY_WATCH_NAMESPACES', value: '' },
      { name: 'EXACTLY_LEADER_ELECTION_NAMESPACE', value: 'exactly-system' },
      { name: 'EXACTLY_METRICS_PORT', value: '8081' },
      { name: 'EXACTLY_METRICS_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'EXACTLY_LOG_LEVEL', value: 'info' },
      { name: 'EXACTLY_NETWORK_POLICY', value: 'true' },
      {
        name: 'EXACTLY_OPERATOR_POD_LABELS',
        value:
          '{"app.kubernetes.io/component":"operator","app.kubernetes.io/instance":"exactly","app.kubernetes.io/name":"exactly"}',
      },
      { name: 'EXACTLY_NETWORK_POLICY_METRICS_FROM', value: '[]' },
      {
        name: 'EXACTLY_STOP_SIGNING_KEY',
        valueFrom: { secretKeyRef: { name: 'exactly-stop-key', key: 'private-key.pem' } },
      },
    ])
    // The workers' NetworkPolicy lets in pods with exactly the labels this Deployment selects.
    const podLabels = container.env.find((e: { name: string }) => e.name === 'EXACTLY_OPERATOR_POD_LABELS')
    expect(JSON.parse(podLabels.value)).toEqual(spec.selector.matchLabels)
    // The key the operator signs stop requests with: an Ed25519 private key, only ever by reference.
    const key = find(manifests, 'Secret', 'exactly-stop-key', 'exactly-system')
    const pem = Buffer.from(key.data['private-key.pem'], 'base64').toString()
    expect(createPrivateKey(pem).asymmetricKeyType).toBe('ed25519')

    const service = find(manifests, 'Service', 'exactly-metrics', 'exactly-system')
    expect(service.spec.selector).toEqual(spec.selector.matchLabels)
    expect(service.spec.ports).toEqual([{ name: 'http-metrics', port: 8081, targetPort: 'http', protocol: 'TCP' }])
  })

  it('passes values through: image tag, replicas, log level, scheduling, pod annotations, ServiceAccount name', async () => {
    const manifests = await render('ops', 'ops-system', [
      '--set',
      'image.repository=registry.example.com/exactly,image.tag=1.2.3,replicas=3,logLevel=debug',
      '--set',
      'serviceAccount.name=operator-sa,nodeSelector.pool=system,podAnnotations.team=streams',
      '--set',
      'tolerations[0].key=dedicated,tolerations[0].operator=Exists',
    ])
    const deployment = find(manifests, 'Deployment', 'ops-exactly')
    const pod = deployment.spec.template
    expect(deployment.spec.replicas).toBe(3)
    expect(pod.spec.containers[0].image).toBe('registry.example.com/exactly:1.2.3')
    expect(pod.spec.containers[0].env).toContainEqual({ name: 'EXACTLY_LOG_LEVEL', value: 'debug' })
    expect(pod.spec.serviceAccountName).toBe('operator-sa')
    expect(pod.spec.nodeSelector).toEqual({ pool: 'system' })
    expect(pod.spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Exists' }])
    expect(pod.metadata.annotations).toEqual({ team: 'streams' })
    find(manifests, 'ServiceAccount', 'operator-sa', 'ops-system')
    const binding = find(manifests, 'ClusterRoleBinding', 'ops-exactly')
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'operator-sa', namespace: 'ops-system' }])
  })

  it('the ClusterRole grants exactly the verbs the operator uses; leader election only on Leases of its namespace', async () => {
    const manifests = await render('exactly', 'exactly-system')
    const clusterRole = find(manifests, 'ClusterRole', 'exactly')
    expect(permissions(clusterRole.rules)).toEqual(permissions(JOB_RULES))
    const binding = find(manifests, 'ClusterRoleBinding', 'exactly')
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'exactly' })
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'exactly', namespace: 'exactly-system' }])

    const roles = manifests.filter((m) => m.kind === 'Role')
    expect(roles.map((r) => `${r.metadata.namespace}/${r.metadata.name}`)).toEqual([
      'exactly-system/exactly-leader-election',
    ])
    expect(permissions(roles[0]!.rules)).toEqual(permissions(LEADER_ELECTION_RULES))
    const roleBinding = find(manifests, 'RoleBinding', 'exactly-leader-election', 'exactly-system')
    expect(roleBinding.roleRef).toMatchObject({ kind: 'Role', name: 'exactly-leader-election' })
    expect(roleBinding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'exactly', namespace: 'exactly-system' }])
  })

  it('with watchNamespaces: one Role and RoleBinding per namespace and nothing cluster-wide', async () => {
    const manifests = await render('exactly', 'exactly-system', ['--set', 'watchNamespaces={team-a,team-b}'])
    expect(manifests.filter((m) => m.kind === 'ClusterRole' || m.kind === 'ClusterRoleBinding')).toEqual([])
    for (const namespace of ['team-a', 'team-b']) {
      expect(permissions(find(manifests, 'Role', 'exactly', namespace).rules)).toEqual(permissions(JOB_RULES))
      const binding = find(manifests, 'RoleBinding', 'exactly', namespace)
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'exactly' })
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'exactly', namespace: 'exactly-system' }])
    }
    const roles = manifests.filter((m) => m.kind === 'Role').map((r) => `${r.metadata.namespace}/${r.metadata.name}`)
    expect(roles.sort()).toEqual(['exactly-system/exactly-leader-election', 'team-a/exactly', 'team-b/exactly'])
    const container = find(manifests, 'Deployment', 'exactly').spec.template.spec.containers[0]
    expect(container.env).toContainEqual({ name: 'EXACTLY_WATCH_NAMESPACES', value: 'team-a,team-b' })
  })

  it('passes networkPolicy through: metricsFrom as JSON; disabled, the operator is told so and may not create policies', async () => {
    const prometheus = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
    }
    const scraped = await render('exactly', 'exactly-system', [
      '--set-json',
      `networkPolicy.metricsFrom=${JSON.stringify([prometheus])}`,
    ])
    const env = find(scraped, 'Deployment', 'exactly').spec.template.spec.containers[0].env
    expect(env).toContainEqual({ name: 'EXACTLY_NETWORK_POLICY_METRICS_FROM', value: JSON.stringify([prometheus]) })
    const off = await render('exactly', 'exactly-system', ['--set', 'networkPolicy.enabled=false'])
    const offEnv = find(off, 'Deployment', 'exactly').spec.template.spec.containers[0].env
    expect(offEnv).toContainEqual({ name: 'EXACTLY_NETWORK_POLICY', value: 'false' })
    // Least privilege: no policy to make, no permission to make one.
    const withoutPolicies = JOB_RULES.filter((r) => !r.resources?.includes('networkpolicies'))
    expect(permissions(find(off, 'ClusterRole', 'exactly').rules)).toEqual(permissions(withoutPolicies))
  })

  it('renders a ServiceMonitor only when serviceMonitor.enabled, with its interval and labels', async () => {
    expect((await render('exactly', 'exactly-system')).some((m) => m.kind === 'ServiceMonitor')).toBe(false)
    const manifests = await render('exactly', 'exactly-system', [
      '--set',
      'serviceMonitor.enabled=true,serviceMonitor.interval=15s,serviceMonitor.labels.release=prometheus',
    ])
    const monitor = find(manifests, 'ServiceMonitor', 'exactly', 'exactly-system')
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1')
    expect(monitor.metadata.labels).toMatchObject({ release: 'prometheus' })
    expect(monitor.spec.endpoints).toEqual([{ port: 'http-metrics', path: '/metrics', interval: '15s' }])
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['exactly-system'] })
    const service = find(manifests, 'Service', 'exactly-metrics')
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels)
  })

  it('renders the finalizer policy where the cluster serves MutatingAdmissionPolicy, bound to the watched namespaces', async () => {
    const kinds = (manifests: Array<{ kind: string; metadata: { name: string } }>) =>
      manifests.filter((m) => m.kind.startsWith('MutatingAdmissionPolicy')).map((m) => `${m.kind}/${m.metadata.name}`)
    // Before 1.36 (helm template without the API), or switched off: the operator adds the finalizer.
    expect(kinds(await render('exactly', 'exactly-system'))).toEqual([])
    expect(
      kinds(await render('exactly', 'exactly-system', [...WITH_POLICY_API, '--set', 'finalizerPolicy.enabled=false'])),
    ).toEqual([])
    const all = await render('exactly', 'exactly-system', WITH_POLICY_API)
    expect(kinds(all)).toEqual([
      'MutatingAdmissionPolicy/exactly-finalizer',
      'MutatingAdmissionPolicyBinding/exactly-finalizer',
    ])
    const policy = find(all, 'MutatingAdmissionPolicy', 'exactly-finalizer')
    expect(policy.spec.failurePolicy).toBe('Ignore')
    expect(policy.spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: ['exactly.dev'], apiVersions: ['*'], operations: ['CREATE'], resources: ['streamjobs'] },
    ])
    expect(find(all, 'MutatingAdmissionPolicyBinding', 'exactly-finalizer').spec).toEqual({
      policyName: 'exactly-finalizer',
    })
    const narrow = await render('exactly', 'exactly-system', [
      ...WITH_POLICY_API,
      '--set',
      'watchNamespaces={team-a,team-b}',
    ])
    expect(find(narrow, 'MutatingAdmissionPolicyBinding', 'exactly-finalizer').spec.matchResources).toEqual({
      namespaceSelector: {
        matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['team-a', 'team-b'] }],
      },
    })
  })

  it('NOTES.txt tells the user what to do next', async () => {
    const result = await helm(['install', 'exactly', CHART_DIR, '--dry-run=client', '-n', 'exactly-system'])
    expect(result.code, result.stderr).toBe(0)
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'))
    for (const text of [
      'kubectl apply -f examples/word-count/streamjob.yaml',
      'kubectl get sj -w',
      'kubectl describe sj',
      'svc/exactly-metrics 8081',
      'exactly.dev/pause-reconciliation="true"',
    ])
      expect(notes).toContain(text)
  })

  it('values.schema.json refuses unknown and mistyped values, and kubeVersion refuses an old cluster', async () => {
    const refusals: [string[], string][] = [
      [['--set', 'replica=3'], "additional properties 'replica' not allowed"],
      [['--set', 'replicas=two'], "at '/replicas': got string, want integer"],
      [['--set', 'serviceMonitor.enabled=yes'], "at '/serviceMonitor/enabled': got string, want boolean"],
      [['--set', 'logLevel=verbose'], '/logLevel'],
      [['--set', 'watchNamespaces={Team_A}'], '/watchNamespaces/0'],
      [['--set', 'image.registry=example.com'], "additional properties 'registry' not allowed"],
      [['--set', 'networkPolicy.enabled=yes'], "at '/networkPolicy/enabled': got string, want boolean"],
      [['--set', 'networkPolicy.metricsFrom[0].podSelecter.app=x'], "additional properties 'podSelecter' not allowed"],
    ]
    for (const [args, message] of refusals) {
      for (const command of [
        ['template', 'exactly', CHART_DIR, ...args],
        ['lint', CHART_DIR, ...args],
      ]) {
        const result = await helm(command)
        expect(result.code, `helm ${command.join(' ')} should fail`).not.toBe(0)
        expect(result.stdout + result.stderr).toContain(message)
      }
    }
    const old = await helm(['template', 'exactly', CHART_DIR, '--kube-version', '1.29.0'])
    expect(old.code).not.toBe(0)
    expect(old.stderr).toContain('chart requires kubeVersion: >=1.30.0-0')
  })

  it('kubectl apply --dry-run=server accepts everything the chart renders, under the restricted Pod Security Standard', async () => {
    // The CRD first, as helm does with a chart's crds/ (it may already be installed).
    expect(readFileSync(CHART_CRD).equals(readFileSync(REPO_CRD)), 'the chart CRD must equal crds/ (see above)').toBe(
      true,
    )
    await ok(
      kubectl(kubeconfig, [
        'apply',
        '--server-side',
        '--force-conflicts',
        '--field-manager=exactly-tests',
        '-f',
        CHART_CRD,
      ]),
    )
    await ok(kubectl(kubeconfig, ['wait', '--for=condition=Established', 'crd/streamjobs.exactly.dev']))

    // The warning is live in this namespace: a Deployment without a security context gets one.
    const plain = ['create', 'deployment', 'plain', '--image=exactly:dev', '--dry-run=server']
    const bad = await kubectl(kubeconfig, ['-n', releaseNamespace, ...plain])
    expect(bad.code, bad.stderr).toBe(0)
    expect(bad.stderr).toContain('would violate PodSecurity "restricted')

    for (const args of [[], ['--set', watchArg()], WITH_POLICY_API]) {
      const manifests = await templateText('dry', releaseNamespace, args)
      const result = await kubectl(kubeconfig, ['apply', '--dry-run=server', '-f', '-'], manifests)
      expect(result.code, `${args.join(' ')}:\n${result.stderr}`).toBe(0)
      expect(result.stderr).not.toContain('Warning')
      expect(result.stdout).toContain('deployment.apps/dry-exactly created (server dry run)')
      expect(result.stdout).toContain('service/dry-exactly-metrics created (server dry run)')
    }
  })

  it('helm install and uninstall for real (0 replicas: no operator runs here); uninstall keeps the CRD', async () => {
    const release = `in-${id}`
    const where = ['--kubeconfig', kubeconfig, '--namespace', releaseNamespace]
    // No finalizer policy: bound cluster-wide, it would give the StreamJobs other test files
    // create meanwhile a finalizer that no operator removes. The next test applies it for real.
    const noPolicy = ['--set', 'finalizerPolicy.enabled=false']
    await ok(
      helm(['install', release, CHART_DIR, ...where, '--set', 'replicas=0', ...noPolicy, '--wait', '--timeout', '60s']),
    )
    const owned = ['-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']
    const kinds = 'deployment,service,serviceaccount,role,rolebinding'
    const names = async (scope: string[]) =>
      (await ok(kubectl(kubeconfig, ['get', ...scope, ...owned]))).trim().split('\n').filter(Boolean).sort()
    expect(await names([kinds, '-n', releaseNamespace])).toEqual([
      `deployment.apps/${release}-exactly`,
      `role.rbac.authorization.k8s.io/${release}-exactly-leader-election`,
      `rolebinding.rbac.authorization.k8s.io/${release}-exactly-leader-election`,
      `service/${release}-exactly-metrics`,
      `serviceaccount/${release}-exactly`,
    ])
    expect(await names(['clusterrole,clusterrolebinding'])).toEqual([
      `clusterrole.rbac.authorization.k8s.io/${release}-exactly`,
      `clusterrolebinding.rbac.authorization.k8s.io/${release}-exactly`,
    ])

    await ok(helm(['uninstall', release, ...where, '--wait', '--timeout', '60s']))
    expect(await names([kinds, '-n', releaseNamespace])).toEqual([])
    expect(await names(['clusterrole,clusterrolebinding'])).toEqual([])
    await ok(kubectl(kubeconfig, ['get', 'crd', 'streamjobs.exactly.dev']))
  })

  it('its finalizer policy, applied for real, gives new StreamJobs the finalizer in the watched namespaces only', async () => {
    const release = `fp-${id}`
    const only = ['--show-only', 'templates/finalizer-policy.yaml']
    const manifests = await templateText(release, releaseNamespace, [
      ...WITH_POLICY_API,
      '--set',
      `watchNamespaces={${watched[0]}}`,
      ...only,
    ])
    await ok(kubectl(kubeconfig, ['apply', '-f', '-'], manifests))
    try {
      // Dry runs: the API server admits (and mutates) the job but stores nothing.
      const finalizersOf = async (namespace: string, job: string) =>
        (
          await ok(
            kubectl(
              kubeconfig,
              ['create', '--dry-run=server', '-n', namespace, '-o', 'jsonpath={.metadata.finalizers}', '-f', '-'],
              job,
            ),
          )
        ).trim()
      // The API server loads a new policy asynchronously.
      await eventually('the policy takes effect', async () =>
        (await finalizersOf(watched[0], streamJob('a'))).includes(FINALIZER) ? true : undefined,
      )
      expect(JSON.parse(await finalizersOf(watched[0], streamJob('b')))).toEqual([FINALIZER])
      // The user's own finalizers stay, and ours is never there twice.
      expect(JSON.parse(await finalizersOf(watched[0], streamJob('c', ['example.com/keep'])))).toEqual([
        'example.com/keep',
        FINALIZER,
      ])
      expect(JSON.parse(await finalizersOf(watched[0], streamJob('d', [FINALIZER])))).toEqual([FINALIZER])
      // A namespace no operator of this release watches: no finalizer nobody would remove.
      expect(await finalizersOf(watched[1], streamJob('e'))).toBe('')
    } finally {
      await ok(kubectl(kubeconfig, ['delete', '--ignore-not-found', '-f', '-'], manifests))
    }
  })

  it('its RBAC, applied for real, lets the operator do its work and nothing else (all namespaces)', async () => {
    const manifests = await templateText(clusterWide, releaseNamespace, RBAC_ONLY)
    await ok(kubectl(kubeconfig, ['apply', '-f', '-'], manifests))
    const jobs = ['-n', watched[0]]
    const own = ['-n', releaseNamespace]
    await eventually('the bindings take effect', async () =>
      (await canI(clusterWide, ['create', 'pods', ...jobs])) === 'yes' ? true : undefined,
    )

    const yes = [
      ['get', 'streamjobs.exactly.dev', ...jobs],
      ['list', 'streamjobs.exactly.dev', '--all-namespaces'],
      ['watch', 'streamjobs.exactly.dev', '--all-namespaces'],
      ['update', 'streamjobs.exactly.dev', ...jobs],
      ['patch', 'streamjobs.exactly.dev', ...jobs],
      ['patch', 'streamjobs.exactly.dev', '--subresource=status', ...jobs],
      ['update', 'streamjobs.exactly.dev', '--subresource=status', ...jobs],
      ['update', 'streamjobs.exactly.dev', '--subresource=finalizers', ...jobs],
      ['create', 'pods', ...jobs],
      ['delete', 'pods', ...jobs],
      ['list', 'pods', '--all-namespaces'],
      ['watch', 'pods', '--all-namespaces'],
      ['create', 'events', ...jobs],
      ['create', 'networkpolicies.networking.k8s.io', ...jobs],
      ['get', 'leases.coordination.k8s.io', ...own],
      ['create', 'leases.coordination.k8s.io', ...own],
      ['update', 'leases.coordination.k8s.io', ...own],
    ]
    const no = [
      ['patch', 'events', ...jobs],
      ['create', 'events.events.k8s.io', ...jobs],
      ['get', 'secrets', ...jobs],
      ['list', 'secrets', ...own],
      ['create', 'streamjobs.exactly.dev', ...jobs],
      ['delete', 'streamjobs.exactly.dev', ...jobs],
      ['update', 'pods', ...jobs],
      ['patch', 'pods', ...jobs],
      ['create', 'pods', '--subresource=exec', ...jobs],
      ['create', 'deployments.apps', ...jobs],
      ['get', 'networkpolicies.networking.k8s.io', ...jobs],
      ['update', 'networkpolicies.networking.k8s.io', ...jobs],
      ['delete', 'networkpolicies.networking.k8s.io', ...jobs],
      ['get', 'configmaps', ...jobs],
      ['create', 'serviceaccounts', '--subresource=token', ...jobs],
      ['list', 'nodes'],
      ['delete', 'leases.coordination.k8s.io', ...own],
      ['create', 'leases.coordination.k8s.io', ...jobs],
      ['update', 'customresourcedefinitions.apiextensions.k8s.io'],
      ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
    ]
    expect(await answers(clusterWide, [...yes, ...no])).toEqual({ ...allowed(yes), ...denied(no) })
  })

  it('its RBAC with watchNamespaces, applied for real, stops at the listed namespaces', async () => {
    const manifests = await templateText(narrowed, releaseNamespace, ['--set', watchArg(), ...RBAC_ONLY])
    expect(manifests).not.toContain('kind: ClusterRole')
    await ok(kubectl(kubeconfig, ['apply', '-f', '-'], manifests))
    await eventually('the bindings take effect', async () =>
      (await canI(narrowed, ['create', 'pods', '-n', watched[1]])) === 'yes' ? true : undefined,
    )

    const yes = watched.flatMap((namespace) => [
      ['watch', 'streamjobs.exactly.dev', '-n', namespace],
      ['patch', 'streamjobs.exactly.dev', '--subresource=status', '-n', namespace],
      ['create', 'pods', '-n', namespace],
      ['delete', 'pods', '-n', namespace],
      ['create', 'events', '-n', namespace],
      ['create', 'networkpolicies.networking.k8s.io', '-n', namespace],
    ])
    yes.push(['update', 'leases.coordination.k8s.io', '-n', releaseNamespace])
    const no = [
      ['list', 'streamjobs.exactly.dev', '--all-namespaces'],
      ['list', 'pods', '--all-namespaces'],
      ['create', 'pods', '-n', releaseNamespace],
      ['create', 'pods', '-n', 'default'],
      ['create', 'networkpolicies.networking.k8s.io', '-n', releaseNamespace],
      ['watch', 'streamjobs.exactly.dev', '-n', 'default'],
      ['get', 'secrets', '-n', watched[0]],
      ['delete', 'streamjobs.exactly.dev', '-n', watched[0]],
    ]
    expect(await answers(narrowed, [...yes, ...no])).toEqual({ ...allowed(yes), ...denied(no) })
  })
})
