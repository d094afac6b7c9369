/**
 * charts/exactly on the real kube-apiserver: a server-side dry run of everything it renders
 * (under the restricted Pod Security Standard), helm install and uninstall for real, its
 * finalizer policy and its RBAC applied for real and asked with `kubectl auth can-i`.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { waitForStreamJobCrd } from '../../../stack/kubectl.ts'
import { waitFor as eventually } from '../../../stack/wait.ts'
import { CHART_CRD, CHART_DIR, helm, kubectl, REPO_CRD, templateText } from './chart.ts'
import {
  allowed,
  denied,
  FINALIZER,
  ok,
  RBAC_ONLY,
  streamJob,
  useChartCluster,
  WITH_POLICY_API,
} from './chart-fixtures.ts'

const chart = useChartCluster()
const REPO_ROOT = join(CHART_DIR, '..', '..')

/** This checkout's CRD, applied the way helm's crds/ would (server-side, taking over any field). */
const applyChartCrd = () =>
  ok(
    kubectl(chart.kubeconfig, [
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=exactly-tests',
      '-f',
      CHART_CRD,
    ]),
  )
const chartVersion = () => /^version: (\S+)$/m.exec(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8'))![1]

type CrdJson = {
  metadata: { annotations?: Record<string, string> }
  spec: {
    versions: Array<{
      schema: {
        openAPIV3Schema: {
          properties: {
            spec: { properties: { checkpoint: { properties: { storage: { properties: Record<string, unknown> } } } } }
          }
        }
      }
    }>
  }
}
const clusterWide = chart.release('cw')
const narrowed = chart.release('nw')

describe('charts/exactly on the cluster', () => {
  it('kubectl apply --dry-run=server accepts everything the chart renders, under the restricted Pod Security Standard', async () => {
    // The CRD first, as helm does with a chart's crds/ (it may already be installed).
    expect(readFileSync(CHART_CRD).equals(readFileSync(REPO_CRD)), 'the chart CRD must equal crds/ (see above)').toBe(
      true,
    )
    await applyChartCrd()
    await waitForStreamJobCrd((args) => ok(kubectl(chart.kubeconfig, [...args])))

    // The warning is live in this namespace: a Deployment without a security context gets one.
    const plain = ['create', 'deployment', 'plain', '--image=exactly:dev', '--dry-run=server']
    const bad = await kubectl(chart.kubeconfig, ['-n', chart.releaseNamespace, ...plain])
    expect(bad.code, bad.stderr).toBe(0)
    expect(bad.stderr).toContain('would violate PodSecurity "restricted')

    for (const args of [[], ['--set', chart.watchArg()], WITH_POLICY_API]) {
      const manifests = await templateText('dry', chart.releaseNamespace, args)
      const result = await kubectl(chart.kubeconfig, ['apply', '--dry-run=server', '-f', '-'], manifests)
      expect(result.code, `${args.join(' ')}:\n${result.stderr}`).toBe(0)
      expect(result.stderr).not.toContain('Warning')
      expect(result.stdout).toContain('deployment.apps/dry-exactly created (server dry run)')
      expect(result.stdout).toContain('service/dry-exactly-metrics created (server dry run)')
    }
  })

  it('helm install and uninstall for real (0 replicas: no operator runs here); uninstall keeps the CRD', async () => {
    const release = chart.release('in')
    const where = ['--kubeconfig', chart.kubeconfig, '--namespace', chart.releaseNamespace]
    // No finalizer policy: bound cluster-wide, it would give the StreamJobs other test files
    // create meanwhile a finalizer that no operator removes. The next test applies it for real.
    const noPolicy = ['--set', 'finalizerPolicy.enabled=false']
    await ok(
      helm(['install', release, CHART_DIR, ...where, '--set', 'replicas=0', ...noPolicy, '--wait', '--timeout', '60s']),
    )
    const owned = ['-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']
    const kinds = 'deployment,service,serviceaccount,role,rolebinding'
    const names = async (scope: string[]) =>
      (await ok(kubectl(chart.kubeconfig, ['get', ...scope, ...owned]))).trim().split('\n').filter(Boolean).sort()
    expect(await names([kinds, '-n', chart.releaseNamespace])).toEqual([
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
    expect(await names([kinds, '-n', chart.releaseNamespace])).toEqual([])
    expect(await names(['clusterrole,clusterrolebinding'])).toEqual([])
    await ok(kubectl(chart.kubeconfig, ['get', 'crd', 'streamjobs.exactly.dev']))
  })

  it('helm upgrade from the chart the previous stop shipped brings the new CRD through its pre-upgrade hook', async () => {
    const release = chart.release('up')
    const where = ['--kubeconfig', chart.kubeconfig, '--namespace', chart.releaseNamespace]
    const values = ['--set', 'replicas=0', '--set', 'finalizerPolicy.enabled=false']
    const image = ['--set', 'image.repository=exactly', '--set', 'image.tag=dev']
    const crdJson = async () =>
      JSON.parse(await ok(kubectl(chart.kubeconfig, ['get', 'crd', 'streamjobs.exactly.dev', '-o', 'json'])))
    const storageFields = (crd: CrdJson) =>
      Object.keys(
        crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.checkpoint.properties.storage
          .properties,
      )
    // The cluster as a user of the previous chart has it: that chart's CRD, without onJobDelete.
    const previous = join(REPO_ROOT, 'test', 'fixtures', 'exactly-chart-bf56262.tgz')
    const old = await ok(helm(['show', 'crds', previous]))
    await ok(kubectl(chart.kubeconfig, ['replace', '-f', '-'], old))
    try {
      expect(storageFields(await crdJson())).not.toContain('onJobDelete')
      await ok(helm(['install', release, previous, ...where, ...values, '--wait', '--timeout', '60s']))
      const upgrade = await helm([
        'upgrade',
        release,
        CHART_DIR,
        ...where,
        ...values,
        ...image,
        '--wait',
        '--timeout',
        '120s',
      ])
      if (upgrade.code !== 0) {
        // A failed hook stays: its log says why.
        const hookLog = await kubectl(chart.kubeconfig, [
          'logs',
          '-n',
          chart.releaseNamespace,
          `job/${release}-exactly-crd-upgrade`,
        ])
        throw new Error(`helm upgrade failed: ${upgrade.stderr}\nthe hook's log:\n${hookLog.stdout}${hookLog.stderr}`)
      }
      const upgraded = await crdJson()
      expect(storageFields(upgraded)).toContain('onJobDelete')
      expect(upgraded.metadata.annotations?.['exactly.dev/chart-version']).toBe(chartVersion())
      // The hook's Job, ServiceAccount and ClusterRole went once it succeeded.
      const left = await kubectl(chart.kubeconfig, [
        'get',
        'job,serviceaccount,configmap,clusterrole,clusterrolebinding',
        '-A',
        '-l',
        `app.kubernetes.io/instance=${release},app.kubernetes.io/component=crd-upgrade`,
        '-o',
        'name',
      ])
      expect(left.stdout.trim()).toBe('')
      await ok(helm(['uninstall', release, ...where]))
    } finally {
      // Whatever happened, the rest of the suite runs on this checkout's CRD.
      await applyChartCrd()
    }
  })

  it('its finalizer policy, applied for real, gives new StreamJobs the finalizer in the watched namespaces only', async () => {
    const release = chart.release('fp')
    const only = ['--show-only', 'templates/finalizer-policy.yaml']
    const manifests = await templateText(release, chart.releaseNamespace, [
      ...WITH_POLICY_API,
      '--set',
      `watchNamespaces={${chart.watched[0]}}`,
      ...only,
    ])
    await ok(kubectl(chart.kubeconfig, ['apply', '-f', '-'], manifests))
    try {
      // Dry runs: the API server admits (and mutates) the job but stores nothing.
      const finalizersOf = async (namespace: string, job: string) =>
        (
          await ok(
            kubectl(
              chart.kubeconfig,
              ['create', '--dry-run=server', '-n', namespace, '-o', 'jsonpath={.metadata.finalizers}', '-f', '-'],
              job,
            ),
          )
        ).trim()
      // The API server loads a new policy asynchronously.
      await eventually('the policy takes effect', async () =>
        (await finalizersOf(chart.watched[0], streamJob('a'))).includes(FINALIZER) ? true : undefined,
      )
      expect(JSON.parse(await finalizersOf(chart.watched[0], streamJob('b')))).toEqual([FINALIZER])
      // The user's own finalizers stay, and ours is never there twice.
      expect(JSON.parse(await finalizersOf(chart.watched[0], streamJob('c', ['example.com/keep'])))).toEqual([
        'example.com/keep',
        FINALIZER,
      ])
      expect(JSON.parse(await finalizersOf(chart.watched[0], streamJob('d', [FINALIZER])))).toEqual([FINALIZER])
      // A namespace no operator of this release watches: no finalizer nobody would remove.
      expect(await finalizersOf(chart.watched[1], streamJob('e'))).toBe('')
    } finally {
      await ok(kubectl(chart.kubeconfig, ['delete', '--ignore-not-found', '-f', '-'], manifests))
    }
  })

  it('its RBAC, applied for real, lets the operator do its work and nothing else (all namespaces)', async () => {
    const manifests = await templateText(clusterWide, chart.releaseNamespace, RBAC_ONLY)
    await ok(kubectl(chart.kubeconfig, ['apply', '-f', '-'], manifests))
    const jobs = ['-n', chart.watched[0]]
    const own = ['-n', chart.releaseNamespace]
    await eventually('the bindings take effect', async () =>
      (await chart.canI(clusterWide, ['create', 'pods', ...jobs])) === 'yes' ? true : undefined,
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
      // The Secrets spec.kafka names, one by one: never listed or watched.
      ['get', 'secrets', ...jobs],
      ['create', 'poddisruptionbudgets.policy', ...jobs],
      ['get', 'leases.coordination.k8s.io', ...own],
      ['create', 'leases.coordination.k8s.io', ...own],
      ['update', 'leases.coordination.k8s.io', ...own],
    ]
    const no = [
      ['patch', 'events', ...jobs],
      ['create', 'events.events.k8s.io', ...jobs],
      ['list', 'secrets', ...own],
      ['list', 'secrets', ...jobs],
      ['watch', 'secrets', ...jobs],
      ['create', 'streamjobs.exactly.dev', ...jobs],
      ['delete', 'streamjobs.exactly.dev', ...jobs],
      ['update', 'pods', ...jobs],
      ['patch', 'pods', ...jobs],
      ['create', 'pods', '--subresource=exec', ...jobs],
      ['create', 'deployments.apps', ...jobs],
      ['get', 'networkpolicies.networking.k8s.io', ...jobs],
      ['delete', 'poddisruptionbudgets.policy', ...jobs],
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
    expect(await chart.answers(clusterWide, [...yes, ...no])).toEqual({ ...allowed(yes), ...denied(no) })
  })

  it('its RBAC with watchNamespaces, applied for real, stops at the listed namespaces', async () => {
    const manifests = await templateText(narrowed, chart.releaseNamespace, ['--set', chart.watchArg(), ...RBAC_ONLY])
    expect(manifests).not.toContain('kind: ClusterRole')
    await ok(kubectl(chart.kubeconfig, ['apply', '-f', '-'], manifests))
    await eventually('the bindings take effect', async () =>
      (await chart.canI(narrowed, ['create', 'pods', '-n', chart.watched[1]])) === 'yes' ? true : undefined,
    )

    const yes = chart.watched.flatMap((namespace) => [
      ['watch', 'streamjobs.exactly.dev', '-n', namespace],
      ['patch', 'streamjobs.exactly.dev', '--subresource=status', '-n', namespace],
      ['create', 'pods', '-n', namespace],
      ['delete', 'pods', '-n', namespace],
      ['create', 'events', '-n', namespace],
      ['create', 'networkpolicies.networking.k8s.io', '-n', namespace],
      ['get', 'secrets', '-n', namespace],
    ])
    yes.push(['update', 'leases.coordination.k8s.io', '-n', chart.releaseNamespace])
    const no = [
      ['list', 'streamjobs.exactly.dev', '--all-namespaces'],
      ['list', 'pods', '--all-namespaces'],
      ['create', 'pods', '-n', chart.releaseNamespace],
      ['create', 'pods', '-n', 'default'],
      ['create', 'networkpolicies.networking.k8s.io', '-n', chart.releaseNamespace],
      ['watch', 'streamjobs.exactly.dev', '-n', 'default'],
      ['get', 'secrets', '-n', 'default'],
      ['list', 'secrets', '-n', chart.watched[0]],
      ['delete', 'streamjobs.exactly.dev', '-n', chart.watched[0]],
    ]
    expect(await chart.answers(narrowed, [...yes, ...no])).toEqual({ ...allowed(yes), ...denied(no) })
  })
})
