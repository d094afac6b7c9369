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
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node'
import { parse } from 'yaml'
import { GROUP, PLURAL, VERSION } from '../operator/kube/kube-api.ts'
import { PooledKubeConfig } from '../operator/kube/pooled-kube-config.ts'
import { componentDir } from '../stack/components.ts'
import { freePort } from '../stack/ports.ts'
import { type StackInfo, startStack } from '../stack/stack.ts'

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

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

/**
 * Resolves with how many of the namespace's jobs show phase Suspended, once all `count` do or at
 * `timeoutMs`. A watch, not a list a second: the bench must not be the API server's main load.
 */
function waitUntilSuspended(kc: PooledKubeConfig, namespace: string, count: number, timeoutMs: number) {
  const phases = new Map<string, string | undefined>()
  const suspended = () => [...phases.values()].filter((p) => p === 'Suspended').length
  return new Promise<number>((resolve) => {
    let done = false
    let request: AbortController | undefined
    const finish = () => {
      done = true
      clearTimeout(timer)
      request?.abort()
      resolve(suspended())
    }
    const timer = setTimeout(finish, timeoutMs)
    if (count === 0) return finish()
    const watch = () =>
      void new Watch(kc)
        .watch(
          `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`,
          {},
          (type, job: { metadata: { name: string }; status?: { phase?: string } }) => {
            if (type === 'DELETED') phases.delete(job.metadata.name)
            else if (type === 'ADDED' || type === 'MODIFIED') phases.set(job.metadata.name, job.status?.phase)
            if (phases.size >= count && suspended() >= count) finish()
          },
          // Watches end (server timeouts): a new one starts with every job again.
          () => setTimeout(() => !done && watch(), 100),
        )
        .then((r) => {
          request = r
        })
    watch()
  })
}

/** Runs a program with `input` on stdin; rejects with its stderr when it fails. */
function run(file: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${file} ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    )
    child.stdin?.end(input ?? '')
  })
}

/**
 * The chart's finalizer policy (charts/exactly/templates/finalizer-policy.yaml), bound to the
 * bench namespace, as `helm install` renders it for this cluster (`--validate` reads the live
 * cluster's APIs: nothing on clusters before 1.36). BENCH_OPERATOR_FINALIZER_POLICY=0 leaves it
 * out, so the operator adds every finalizer itself. Returns the manifests applied, if any.
 */
async function installFinalizerPolicy(kubeconfig: string, namespace: string): Promise<string | undefined> {
  if (process.env.BENCH_OPERATOR_FINALIZER_POLICY === '0') return undefined
  const tools = await componentDir('kubectl-helm')
  const manifests = await run(`${tools}/helm`, [
    'template',
    namespace,
    join(root, 'charts/exactly'),
    '--kubeconfig',
    kubeconfig,
    '--validate',
    '--set',
    `watchNamespaces={${namespace}}`,
    '--show-only',
    'templates/finalizer-policy.yaml',
  ]).catch((error: Error) => {
    // helm says so when the template renders nothing (a cluster before 1.36); anything else fails.
    if (error.message.includes('could not find template')) return ''
    throw error
  })
  if (!manifests.includes('MutatingAdmissionPolicy')) return undefined
  await run(`${tools}/kubectl`, ['--kubeconfig', kubeconfig, 'apply', '-f', '-'], manifests)
  // The API server loads a new policy asynchronously: wait until a dry-run create shows it.
  let lastError = 'no error'
  for (let i = 0; i < 100; i++) {
    const probe = await run(
      `${tools}/kubectl`,
      ['--kubeconfig', kubeconfig, 'create', '--dry-run=server', '-o', 'jsonpath={.metadata.finalizers}', '-f', '-'],
      probeJob(namespace),
    ).catch((error: Error) => {
      lastError = error.message
      return ''
    })
    if (probe.includes('exactly.dev/stop-cleanly')) return manifests
    await sleep(100)
  }
  throw new Error(`the finalizer policy was applied but new StreamJobs do not get the finalizer: ${lastError}`)
}

function probeJob(namespace: string): string {
  return JSON.stringify({
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'StreamJob',
    metadata: { name: 'probe', namespace },
    spec: jobSpec(),
  })
}

/** The spec of every bench job: suspended, so no worker pod runs. */
function jobSpec() {
  return {
    image: 'exactly:dev',
    job: { module: '/app/examples/word-count/job.ts' },
    state: 'suspended',
    kafka: { bootstrapServers: ['kafka:9092'], source: { topics: ['in'] }, sink: { topic: 'out' } },
    checkpoint: { storage: { uri: 's3://bench/jobs', endpoint: 'http://s3:8333' } },
  }
}

type Buckets = Array<[number, number]>

/** A histogram's cumulative buckets from the operator's /metrics. */
async function histogram(port: number, name: string): Promise<Buckets> {
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  return [...metrics.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`, 'gm'))].map(
    (m) => [m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2])] as [number, number],
  )
}

/** The passes between two reads of one histogram. */
function since(before: Buckets, after: Buckets): Buckets {
  return after.map(([le, count], i) => [le, count - (before[i]?.[1] ?? 0)])
}

/** Share of the passes within 100 ms, which the bucket bounds alone do not say for a 100 ms target. */
function within100Ms(buckets: Buckets): string {
  const passes = buckets.at(-1)?.[1] ?? 0
  return `${((100 * (buckets.find(([le]) => le === 0.1)?.[1] ?? 0)) / Math.max(1, passes)).toFixed(1)}%`
}

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

/** p-quantile from a Prometheus histogram's cumulative buckets: the upper bound of its bucket. */
function quantile(buckets: Array<[number, number]>, q: number): number {
  const total = buckets.at(-1)?.[1] ?? 0
  const found = buckets.find(([, count]) => count >= q * total)
  return found?.[0] ?? Number.POSITIVE_INFINITY
}

/**
 * The jobs first, while the operator runs and leads: it removes their finalizers. (Deleting the
 * namespace first would delete the operator's Lease, which lives there too, and stop it.) A
 * delete-collection cut short under load is issued again. Whatever still holds a finalizer after
 * the wait loses it by patch once the operator is stopped (else it would put it back on a job
 * not yet being deleted), so no run leaves a namespace stuck in Terminating.
 */
async function cleanUp(
  custom: CustomObjectsApi,
  core: CoreV1Api,
  namespace: string,
  stopOperator: () => Promise<void>,
): Promise<void> {
  const started = Date.now()
  const scope = { group: GROUP, version: VERSION, plural: PLURAL, namespace }
  type Listed = { items: Array<{ metadata: { name: string; deletionTimestamp?: string } }> }
  let left: Listed['items'] = []
  while (Date.now() - started < 300_000) {
    if (left.length === 0 || left.some((j) => !j.metadata.deletionTimestamp))
      await custom.deleteCollectionNamespacedCustomObject(scope).catch(() => {})
    left = ((await custom.listNamespacedCustomObject(scope)) as Listed).items
    if (left.length === 0) break
    await sleep(2000)
  }
  console.log(`deleted the jobs in ${((Date.now() - started) / 1000).toFixed(1)} s; ${left.length} still held`)
  await stopOperator()
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
  for (const { metadata } of left) {
    await custom
      .patchNamespacedCustomObject({ ...scope, name: metadata.name, body: { metadata: { finalizers: null } } }, merge)
      .catch((error: unknown) => console.log(`cannot release ${metadata.name}: ${error}`))
  }
  await core.deleteNamespace({ name: namespace }).catch(() => {})
}

async function main(): Promise<void> {
  const { info, stop } = await stackInfo()
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
  // On a fresh control plane the API server serves StreamJobs only once the CRD is Established.
  await promisify(execFile)(kubectl, [
    '--kubeconfig',
    kubeconfig,
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/streamjobs.exactly.dev',
  ])
  const namespace = `bench-${Date.now().toString(36)}`
  await core.createNamespace({ body: { metadata: { name: namespace } } })
  const policy = await installFinalizerPolicy(kubeconfig, namespace)
  const port = await freePort()
  const { nodeFlags = [] } = parse(readFileSync(join(root, 'charts/exactly/values.yaml'), 'utf8')) as {
    nodeFlags?: string[]
  }
  const operator = spawn(process.execPath, [...nodeFlags, join(root, 'runtime/cli/exactly.ts'), 'operator'], {
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
    const operatorCpuAtStart = cpuSeconds(operator.pid)
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
    const operatorCpu = cpuSeconds(operator.pid) - operatorCpuAtStart
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
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${operator.pid}/status`, 'utf8'))?.[1] ?? Number.NaN)
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
      operatorRssMb: Math.round(rssKb / 1024),
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
      steadyOperatorRssMb: Math.round(
        Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${operator.pid}/status`, 'utf8'))?.[1] ?? Number.NaN) / 1024,
      ),
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
    if (policy) await run(kubectl, ['--kubeconfig', kubeconfig, 'delete', '--ignore-not-found', '-f', '-'], policy)
    await kc.close()
  }
}

await main()
