/**
 * charts/exactly rendered with the real helm binary: lint, what it renders from the default and
 * the changed values, the exact RBAC rules, the schema's refusals. chart-on-cluster.it.test.ts
 * applies it to the real API server.
 */
import { createPrivateKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CHART_CRD, CHART_DIR, find, helm, permissions, REPO_CRD, render } from './chart.ts'
import { JOB_RULES, LEADER_ELECTION_RULES, useChartCluster, WITH_POLICY_API } from './chart-fixtures.ts'

const _chart = useChartCluster()

const isHook = (m: { metadata: { annotations?: Record<string, string> } }) =>
  m.metadata.annotations?.['helm.sh/hook'] !== undefined

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
    const rendered = await render('exactly', 'exactly-system')
    // The CRD upgrade hook's objects (pre-upgrade only) are checked on their own below.
    const manifests = rendered.filter((m) => !isHook(m))
    expect(rendered.filter(isHook).map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'ServiceAccount/exactly-crd-upgrade',
      'ConfigMap/exactly-crd-upgrade',
      'ClusterRole/exactly-crd-upgrade',
      'ClusterRoleBinding/exactly-crd-upgrade',
      'Job/exactly-crd-upgrade',
    ])
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
      'helm.sh/chart': 'exactly-0.2.0',
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
      { name: 'EXACTLY_POD_DISRUPTION_BUDGET', value: 'true' },
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
    const rendered = await render('exactly', 'exactly-system', ['--set', 'watchNamespaces={team-a,team-b}'])
    const manifests = rendered.filter((m) => !isHook(m))
    expect(manifests.filter((m) => m.kind === 'ClusterRole' || m.kind === 'ClusterRoleBinding')).toEqual([])
    // The pre-upgrade hook alone is cluster-wide (a CRD is): get and update of the StreamJob CRD, no
    // more; crds.upgrade=false leaves it out.
    expect(find(rendered, 'ClusterRole', 'exactly-crd-upgrade').rules).toEqual([
      {
        apiGroups: ['apiextensions.k8s.io'],
        resources: ['customresourcedefinitions'],
        resourceNames: ['streamjobs.exactly.dev'],
        verbs: ['get', 'update'],
      },
    ])
    const without = await render('exactly', 'exactly-system', [
      '--set',
      'watchNamespaces={team-a}',
      '--set',
      'crds.upgrade=false',
    ])
    expect(without.filter((m) => m.kind === 'ClusterRole' || m.kind === 'ClusterRoleBinding')).toEqual([])
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

  it('podDisruptionBudget.enabled=false: the operator is told so and gets no permission to make budgets', async () => {
    const off = await render('exactly', 'exactly-system', ['--set', 'podDisruptionBudget.enabled=false'])
    const env = find(off, 'Deployment', 'exactly').spec.template.spec.containers[0].env
    expect(env).toContainEqual({ name: 'EXACTLY_POD_DISRUPTION_BUDGET', value: 'false' })
    const withoutBudgets = JOB_RULES.filter((r) => !r.resources?.includes('poddisruptionbudgets'))
    expect(permissions(find(off, 'ClusterRole', 'exactly').rules)).toEqual(permissions(withoutBudgets))
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
    expect(monitor.spec.endpoints).toEqual([
      { port: 'http-metrics', path: '/metrics', interval: '15s', honorLabels: true },
    ])
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
})
