/**
 * The chart's monitoring: its alerts checked and unit-tested by Prometheus' own promtool (built
 * from the Go module proxy by stack/install/promtool.sh), its dashboard, PodMonitor and
 * PrometheusRule rendered by helm, and every metric they name one the worker or the operator
 * really exports (read from their prom-client registries, not from a list kept by hand).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { podLabels } from '../../../operator/model/labels.ts'
import { createOperatorMetrics } from '../../../operator/operator-metrics.ts'
import { createWorkerMetrics } from '../../../runtime/worker/worker-metrics.ts'
import { componentDir } from '../../../stack/components.ts'
import { runCommand } from '../../../stack/run-command.ts'
import { CHART_DIR, render } from './chart.ts'

const RULES = join(CHART_DIR, 'files', 'alerts.rules.yaml')
const RULE_TESTS = join(CHART_DIR, '..', '..', 'test', 'prometheus', 'alerts.test.yaml')
const DASHBOARD = join(CHART_DIR, 'files', 'dashboard.json')
const ALL_ON = [
  '--set',
  'podMonitor.enabled=true',
  '--set',
  'prometheusRule.enabled=true',
  '--set',
  'dashboard.enabled=true',
]

let promtool = ''
beforeAll(async () => {
  promtool = join(await componentDir('promtool'), 'promtool')
}, 60 * 60_000)

const run = (args: string[]) => runCommand(promtool, args, { timeoutMs: 60_000 })

type Rules = { groups: Array<{ name: string; rules: Array<{ alert: string; expr: string }> }> }

/** Every exactly_* series an expression names, histogram suffixes taken off. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\bexactly_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, ''))
}

describe('the chart’s alerts, dashboard and monitors', () => {
  it('promtool finds the alert rules valid and their unit tests pass', async () => {
    const checked = await run(['check', 'rules', RULES])
    expect(checked.code, checked.stdout + checked.stderr).toBe(0)
    expect(checked.stdout).toContain('SUCCESS: 7 rules found')
    const tested = await run(['test', 'rules', RULE_TESTS])
    expect(tested.code, tested.stdout + tested.stderr).toBe(0)
    expect(tested.stdout).toContain('SUCCESS')
  })

  it('names only metrics the worker and the operator export', async () => {
    const exported = new Set([
      ...(await createWorkerMetrics({ job: 'j', namespace: 'n', slot: 0 }).registry.getMetricsAsJSON()).map(
        (m) => m.name,
      ),
      ...(await createOperatorMetrics().registry.getMetricsAsJSON()).map((m) => m.name),
    ])
    const rules = parseYaml(readFileSync(RULES, 'utf8')) as Rules
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>
    }
    const used = [
      ...rules.groups.flatMap((g) => g.rules.flatMap((r) => metricsIn(r.expr).map((m) => [r.alert, m]))),
      ...dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr).map((m) => [p.title, m]))),
    ]
    expect(used.length).toBeGreaterThan(20)
    expect(used.filter(([, metric]) => !exported.has(metric!))).toEqual([])
  })

  it('renders the PodMonitor for the pods the operator labels as workers, the rules and the dashboard', async () => {
    const manifests = await render('exactly', 'exactly-system', ALL_ON)
    const find = (kind: string) => manifests.find((m) => m.kind === kind)!
    const monitor = find('PodMonitor')
    const workerLabels = podLabels('counts', 'worker', { generation: 1, slot: 0, attempt: 1 })
    expect(workerLabels).toMatchObject(monitor.spec.selector.matchLabels)
    expect(podLabels('counts', 'recover', { generation: 1 })).not.toMatchObject(monitor.spec.selector.matchLabels)
    expect(monitor.spec.podMetricsEndpoints).toEqual([
      { port: 'http', path: '/metrics', interval: '30s', honorLabels: true },
    ])
    expect(monitor.spec.namespaceSelector).toEqual({ any: true })
    const narrowed = await render('exactly', 'exactly-system', [...ALL_ON, '--set', 'watchNamespaces={team-a}'])
    expect(narrowed.find((m) => m.kind === 'PodMonitor')!.spec.namespaceSelector).toEqual({ matchNames: ['team-a'] })

    expect(find('PrometheusRule').spec).toEqual(parseYaml(readFileSync(RULES, 'utf8')))
    const dashboards = manifests.filter((m) => m.kind === 'ConfigMap' && m.metadata.name === 'exactly-dashboard')
    expect(dashboards).toHaveLength(1)
    expect(dashboards[0]!.metadata.labels).toMatchObject({ grafana_dashboard: '1' })
    const shipped = JSON.parse(dashboards[0]!.data['exactly-streamjobs.json'])
    expect(shipped).toEqual(JSON.parse(readFileSync(DASHBOARD, 'utf8')))
    expect(new Set(shipped.panels.map((p: { id: number }) => p.id)).size).toBe(shipped.panels.length)
  })
})
