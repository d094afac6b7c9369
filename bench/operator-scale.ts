/**
 * Operator at scale (issue 4's benchmark; never part of `make test`): 1000 StreamJobs on the real
 * API server, one `exactly operator` process. Reports the reconcile duration histogram from the
 * operator's own /metrics (p50/p99 by bucket), the time until every job carries a status, and
 * the operator's RSS. Jobs are created `suspended` so the one-node stack does not have to run
 * thousands of worker processes: each still gets its finalizer, its first status and conditions.
 *
 *   node bench/operator-scale.ts [jobs=1000]     (EXACTLY_STACK_DIR=.stack to reuse `make up`)
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node'
import { GROUP, PLURAL, VERSION } from '../operator/kube/kube-api.ts'
import { componentDir } from '../test/infra/components.ts'
import { freePort } from '../test/infra/ports.ts'
import { type StackInfo, startStack } from '../test/infra/stack.ts'

const JOBS = Number(process.argv[2] ?? 1000)
const root = join(import.meta.dirname, '..')

async function stackInfo(): Promise<{ info: StackInfo; stop: () => Promise<void> }> {
  const reuse = process.env.EXACTLY_STACK_DIR
  if (reuse && existsSync(join(reuse, 'stack.json'))) {
    return { info: JSON.parse(readFileSync(join(reuse, 'stack.json'), 'utf8')), stop: async () => {} }
  }
  const stack = await startStack({
    dir: mkdtempSync(join(tmpdir(), 'exactly-bench-')),
    kube: true,
    progress: (l) => console.log(`[stack] ${l}`),
  })
  return { info: stack.info, stop: stack.stop }
}

function metricValue(text: string, name: string): number {
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN)
}

/** p-quantile from a Prometheus histogram's cumulative buckets: the upper bound of its bucket. */
function quantile(buckets: Array<[number, number]>, q: number): number {
  const total = buckets.at(-1)?.[1] ?? 0
  const found = buckets.find(([, count]) => count >= q * total)
  return found?.[0] ?? Number.POSITIVE_INFINITY
}

async function main(): Promise<void> {
  const { info, stop } = await stackInfo()
  const kubeconfig = info.kube!.kubeconfig
  const kc = new KubeConfig()
  kc.loadFromFile(kubeconfig)
  const core = kc.makeApiClient(CoreV1Api)
  const custom = kc.makeApiClient(CustomObjectsApi)
  const kubectl = `${await componentDir('kubectl-helm')}/kubectl`
  await promisify(execFile)(kubectl, [
    '--kubeconfig',
    kubeconfig,
    'apply',
    '--server-side',
    '--force-conflicts',
    '-f',
    join(root, 'crds/streamjobs.exactly.dev.yaml'),
  ])
  const namespace = `bench-${Date.now().toString(36)}`
  await core.createNamespace({ body: { metadata: { name: namespace } } })
  const port = await freePort()
  const operator = spawn(process.execPath, [join(root, 'runtime/cli/exactly.ts'), 'operator'], {
    stdio: 'ignore',
    env: {
      ...process.env,
      KUBECONFIG: kubeconfig,
      EXACTLY_WATCH_NAMESPACES: namespace,
      EXACTLY_LEADER_ELECTION_NAMESPACE: namespace,
      EXACTLY_METRICS_HOST: '127.0.0.1',
      EXACTLY_METRICS_PORT: String(port),
      EXACTLY_LOG_LEVEL: 'warn',
    },
  })
  try {
    const started = Date.now()
    for (let i = 0; i < JOBS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, JOBS - i) }, (_, j) =>
          custom.createNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            plural: PLURAL,
            namespace,
            body: {
              apiVersion: `${GROUP}/${VERSION}`,
              kind: 'StreamJob',
              metadata: { name: `job-${i + j}` },
              spec: {
                image: 'exactly:dev',
                job: { module: '/app/examples/word-count/job.ts' },
                state: 'suspended',
                kafka: { bootstrapServers: ['kafka:9092'], source: { topics: ['in'] }, sink: { topic: 'out' } },
                checkpoint: { storage: { uri: 's3://bench/jobs', endpoint: 'http://s3:8333' } },
              },
            },
          }),
        ),
      )
    }
    const created = Date.now()
    console.log(`created ${JOBS} StreamJobs in ${((created - started) / 1000).toFixed(1)} s`)
    let withStatus = 0
    while (withStatus < JOBS && Date.now() - created < 600_000) {
      const list = (await custom.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace,
      })) as {
        items: Array<{ status?: { phase?: string } }>
      }
      withStatus = list.items.filter((j) => j.status?.phase === 'Suspended').length
      if (withStatus < JOBS) await sleep(1000)
    }
    const settled = Date.now()
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    const buckets = [
      ...metrics.matchAll(/^exactly_operator_reconcile_duration_seconds_bucket\{le="([^"]+)"\} (\d+)/gm),
    ].map((m) => [m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2])] as [number, number])
    const passes = buckets.at(-1)?.[1] ?? 0
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${operator.pid}/status`, 'utf8'))?.[1] ?? Number.NaN)
    const result = {
      jobs: JOBS,
      jobsSettled: withStatus,
      secondsUntilAllHaveStatus: (settled - created) / 1000,
      reconcilePasses: passes,
      reconcileP50Ms: quantile(buckets, 0.5) * 1000,
      reconcileP99Ms: quantile(buckets, 0.99) * 1000,
      operatorRssMb: Math.round(rssKb / 1024),
      operatorHeapUsedMb: Math.round(metricValue(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20),
      operatorHeapTotalMb: Math.round(metricValue(metrics, 'nodejs_heap_size_total_bytes') / 2 ** 20),
      eventLoopLagP99Ms: Math.round(metricValue(metrics, 'nodejs_eventloop_lag_p99_seconds') * 1000),
    }
    console.log(JSON.stringify(result, null, 2))
    console.log(
      '(p50/p99 are histogram bucket upper bounds; the machine load while measuring:',
      readFileSync('/proc/loadavg', 'utf8').trim(),
      ')',
    )
  } finally {
    // The namespace first, while the operator runs: it removes the jobs' finalizers.
    await core.deleteNamespace({ name: namespace }).catch(() => {})
    for (let i = 0; i < 120; i++) {
      const gone = await core.readNamespace({ name: namespace }).then(
        () => false,
        () => true,
      )
      if (gone) break
      await sleep(1000)
    }
    operator.kill('SIGTERM')
    await stop()
  }
}

await main()
