/**
 * Operator at scale (issue 4's benchmark; never part of `make test`): 1000 StreamJobs on the real
 * API server, one `exactly operator` process. Two phases, each with the reconcile duration
 * histogram from the operator's own /metrics (p50/p99 by bucket):
 * - the burst: 1000 jobs created 50 at a time, until every job carries a status (the queue wait
 *   before the passes apart, the operator's RSS, heap, event-loop lag and CPU time);
 * - steady: with all 1000 settled, users edit jobs one at a time (10 edits/s for 30 s).
 * Jobs are created `suspended` so the one-node stack does not have to run thousands of worker
 * processes: each still gets its finalizer, its first status and conditions. As the chart does,
 * the finalizer comes from its MutatingAdmissionPolicy where the cluster has one (1.36+). The
 * operator runs with the chart's Node flags (values.yaml `nodeFlags`), so its memory is the
 * memory of the deployed operator.
 *
 *   node bench/operator-scale.ts [jobs=1000]     (EXACTLY_STACK_DIR=.stack to reuse `make up`)
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node'
import { parse } from 'yaml'
import { GROUP, PLURAL, VERSION } from '../operator/kube/kube-api.ts'
import { PooledKubeConfig } from '../operator/kube/pooled-kube-config.ts'
import { kubeTools, waitForStreamJobCrd } from '../stack/kubectl.ts'
import { freePort } from '../stack/ports.ts'
import { REPO_ROOT } from '../stack/repo-root.ts'
import type { StackInfo } from '../stack/stack.ts'
import { benchStack } from './bench-stack.ts'
import { cleanUp, installFinalizerPolicy, jobSpec, waitUntilSuspended } from './operator-jobs.ts'
import { histogram, metricValue, quantile, since, within100Ms } from './operator-metrics.ts'
import { cpuMs, rssMb } from './proc.ts'

const JOBS = Number(process.argv[2] ?? 1000)

/**
 * The steady phase: with every job settled, users edit jobs one at a time, EDITS_PER_SECOND of
 * them (each edit a spec change, so a new metadata.generation the operator must record in the
 * status), for STEADY_SECONDS. Returns how many edits went out. BENCH_OPERATOR_EDITS_PER_SECOND
 * sets the rate.
 */
const EDITS_PER_SECOND = Number(process.env.BENCH_OPERATOR_EDITS_PER_SECOND ?? 10)
const STEADY_SECONDS = 30

async function steadyEdits(custom: CustomObjectsApi, namespace: string): Promise<number> {
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
  const started = Date.now()
  let edits = 0
  for (; edits < EDITS_PER_SECOND * STEADY_SECONDS; edits++) {
    const due = started + (edits * 1000) / EDITS_PER_SECOND
    if (due > Date.now()) await sleep(due - Date.now())
    // A prime stride spreads the edits over the jobs; each round over all jobs sets a new value.
    const name = `job-${(edits * 7919) % JOBS}`
    const retained = 4 + (Math.floor(edits / JOBS) % 90)
    const body = { spec: { checkpoint: { retained } } }
    await custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, namespace, name, body },
      merge,
    )
  }
  return edits
}

async function main(): Promise<void> {
  const { info, stop } = await benchStack(['kube'])
  // A failure before the operator runs (the CRD, the policy) must not leave the stack running.
  try {
    await measure(info)
  } finally {
    await stop()
  }
}

async function measure(info: StackInfo): Promise<void> {
  const kubeconfig = info.kube!.kubeconfig
  const kc = new PooledKubeConfig()
  kc.loadFromFile(kubeconfig)
  const core = kc.makeApiClient(CoreV1Api)
  const custom = kc.makeApiClient(CustomObjectsApi)
  const tools = await kubeTools({ kubeconfig })
  await tools.kubectl([
    'apply',
    '--server-side',
    '--force-conflicts',
    '-f',
    join(REPO_ROOT, 'crds/streamjobs.exactly.dev.yaml'),
  ])
  // On a fresh control plane the API server serves StreamJobs only once the CRD is Established.
  await waitForStreamJobCrd((args) => tools.kubectl(args))
  const namespace = `bench-${Date.now().toString(36)}`
  await core.createNamespace({ body: { metadata: { name: namespace } } })
  const policy = await installFinalizerPolicy(tools, namespace)
  const port = await freePort()
  const { nodeFlags = [] } = parse(readFileSync(join(REPO_ROOT, 'charts/exactly/values.yaml'), 'utf8')) as {
    nodeFlags?: string[]
  }
  const operator = spawn(process.execPath, [...nodeFlags, join(REPO_ROOT, 'runtime/cli/exactly.ts'), 'operator'], {
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
    // Timing starts once the operator leads with its caches filled, so start-up is not in it.
    for (let i = 0; i < 600; i++) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
      if (ready) break
      await sleep(100)
    }
    const operatorCpuAtStart = (cpuMs(operator.pid!) ?? Number.NaN) / 1000
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
              spec: jobSpec(),
            },
          }),
        ),
      )
    }
    const created = Date.now()
    console.log(`created ${JOBS} StreamJobs in ${((created - started) / 1000).toFixed(1)} s`)
    const suspended = await waitUntilSuspended(kc, namespace, JOBS, 600_000)
    const settled = Date.now()
    const operatorCpu = (cpuMs(operator.pid!) ?? Number.NaN) / 1000 - operatorCpuAtStart
    const list = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace,
    })) as {
      items: Array<{ status?: { phase?: string } }>
    }
    const withStatus = list.items.filter((j) => j.status?.phase === 'Suspended').length
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    const buckets = await histogram(port, 'exactly_operator_reconcile_duration_seconds')
    const waits = await histogram(port, 'exactly_operator_queue_wait_seconds')
    const passes = buckets.at(-1)?.[1] ?? 0
    const result = {
      jobs: JOBS,
      jobsSettled: withStatus,
      jobsSeenSuspendedByTheWatch: suspended,
      secondsUntilAllHaveStatus: (settled - created) / 1000,
      reconcilePasses: passes,
      reconcileP50Ms: quantile(buckets, 0.5) * 1000,
      reconcileP99Ms: quantile(buckets, 0.99) * 1000,
      passesWithin100Ms: within100Ms(buckets),
      // Apart from the pass: how long keys waited in the work queue for one of the passes.
      queueWaitP50Ms: quantile(waits, 0.5) * 1000,
      queueWaitP99Ms: quantile(waits, 0.99) * 1000,
      operatorRssMb: rssMb(operator.pid!) ?? Number.NaN,
      operatorHeapUsedMb: Math.round(metricValue(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20),
      operatorHeapTotalMb: Math.round(metricValue(metrics, 'nodejs_heap_size_total_bytes') / 2 ** 20),
      eventLoopLagP99Ms: Math.round(metricValue(metrics, 'nodejs_eventloop_lag_p99_seconds') * 1000),
      operatorCpuSecondsUntilSettled: Number(operatorCpu.toFixed(1)),
      operatorNodeFlags: nodeFlags.join(' '),
      finalizerPolicy: policy !== undefined,
    }
    console.log(`settled; now ${EDITS_PER_SECOND} edits/s for ${STEADY_SECONDS} s…`)
    const steadyBefore = await histogram(port, 'exactly_operator_reconcile_duration_seconds')
    const edits = await steadyEdits(custom, namespace)
    await sleep(3000) // the last edits' passes
    const steady = since(steadyBefore, await histogram(port, 'exactly_operator_reconcile_duration_seconds'))
    const steadyResult = {
      steadyEdits: edits,
      steadyPasses: steady.at(-1)?.[1] ?? 0,
      steadyReconcileP50Ms: quantile(steady, 0.5) * 1000,
      steadyReconcileP99Ms: quantile(steady, 0.99) * 1000,
      steadyPassesWithin100Ms: within100Ms(steady),
      steadyOperatorRssMb: rssMb(operator.pid!) ?? Number.NaN,
    }
    console.log(JSON.stringify({ ...result, ...steadyResult }, null, 2))
    console.log(
      '(p50/p99 are histogram bucket upper bounds; the machine load while measuring:',
      readFileSync('/proc/loadavg', 'utf8').trim(),
      ')',
    )
  } finally {
    await cleanUp(custom, core, namespace, async () => {
      if (operator.exitCode !== null || operator.signalCode !== null) return
      const exited = new Promise((resolve) => operator.once('exit', resolve))
      operator.kill('SIGTERM')
      await Promise.race([exited, sleep(10_000)])
    })
    if (policy) await tools.kubectl(['delete', '--ignore-not-found', '-f', '-'], policy)
    await kc.close()
  }
}

await main()
