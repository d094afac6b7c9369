/**
 * Timings of the real node (never part of `make test`): how long a StreamJob's worker pods take
 * from `kubectl apply` to Ready as containers under the kubelet, and how long the job takes to be
 * Ready again after a worker container's process is SIGKILLed (the operator notices, starts the
 * next attempt, which restores from S3). Its own stack, the chart installed with helm, a
 * word-count job with state in it. Prints each measurement and the medians.
 *
 *   node bench/real-node.ts [--kills=5] [--parallelism=2]
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { CoreV1Api, CustomObjectsApi, KubeConfig, type V1Pod } from '@kubernetes/client-node'
import { Kafka, logLevel } from 'kafkajs'
import type { StreamJob } from '../operator/api/streamjob-types.ts'
import { chaos } from '../stack/demo/chaos.ts'
import { installOperator } from '../stack/demo/install-operator.ts'
import { prepareNamespace } from '../stack/demo/prepare-namespace.ts'
import { createTopics } from '../stack/demo/topics.ts'
import { applyStreamJobs, kubeTools, waitForStreamJobCrd } from '../stack/kubectl.ts'
import { containerPid } from '../stack/real-node/pod-inspect.ts'
import { killAllNow, startStack } from '../stack/stack.ts'
import { waitFor } from '../stack/wait.ts'

const { values } = parseArgs({
  options: { kills: { type: 'string', default: '5' }, parallelism: { type: 'string', default: '2' } },
})
const KILLS = Number(values.kills)
const PARALLELISM = Number(values.parallelism)
const NAMESPACE = 'bench'
const JOB = 'counts'

const isReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'exactly-bench-node-'))
  process.once('exit', killAllNow)
  const stack = await startStack({
    dir,
    kafka: true,
    s3: true,
    kube: true,
    progress: (l) => console.log(`[stack] ${l}`),
  })
  try {
    const { kafka, s3, kube } = stack.info
    const tools = await kubeTools({ stateDir: dir, kubeconfig: kube!.kubeconfig })
    await installOperator(tools, chaos(kube!.kubeconfig))
    await createTopics(kafka!.bootstrap, ['node-words', 'node-counts'], PARALLELISM)
    await prepareNamespace(tools, NAMESPACE, 's3', s3!)
    const producer = new Kafka({ brokers: [kafka!.bootstrap], logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    const words = Array.from({ length: 20_000 }, (_, i) => ({ key: `w${i % 5000}`, value: `w${i % 5000}` }))
    await producer.send({ topic: 'node-words', messages: words })
    await producer.disconnect()

    const kc = new KubeConfig()
    kc.loadFromFile(kube!.kubeconfig)
    const core = kc.makeApiClient(CoreV1Api)
    const custom = kc.makeApiClient(CustomObjectsApi)
    const pods = async () => (await core.listNamespacedPod({ namespace: NAMESPACE })).items
    const job = async () =>
      (await custom.getNamespacedCustomObject({
        group: 'exactly.dev',
        version: 'v1alpha1',
        plural: 'streamjobs',
        namespace: NAMESPACE,
        name: JOB,
      })) as StreamJob

    // 1. kubectl apply → every worker Ready, and each pod from first seen to Ready.
    // Timed from the apply itself, not from waiting for the API server to serve the CRD.
    await waitForStreamJobCrd((args) => tools.kubectl(args))
    const applied = Date.now()
    await applyStreamJobs(tools, JSON.stringify(manifest(kafka!.bootstrap, s3!)))
    const seen = new Map<string, number>()
    const ready = new Map<string, number>()
    await waitFor(
      `${PARALLELISM} workers are Ready`,
      async () => {
        const now = Date.now()
        for (const p of await pods()) {
          const name = p.metadata!.name!
          if (!seen.has(name)) seen.set(name, now)
          if (isReady(p) && !ready.has(name)) ready.set(name, now)
        }
        return ready.size >= PARALLELISM ? true : undefined
      },
      180_000,
      { intervalMs: 100 },
    )
    const allReady = Math.max(...ready.values()) - applied
    const perPod = [...ready].map(([name, at]) => at - seen.get(name)!)
    console.log(
      `apply → ${PARALLELISM} workers Ready: ${s(allReady)}; each pod seen → Ready: ${perPod.map(s).join(', ')}`,
    )

    // 2. SIGKILL a worker's process → the job Ready again with a new attempt in that slot.
    const recoveries: number[] = []
    for (let k = 0; k < KILLS; k++) {
      await waitFor(
        'the job is Ready',
        async () => ((await job()).status?.phase === 'Running' ? true : undefined),
        120_000,
      )
      const workers = (await pods()).filter(
        (p) => p.metadata?.labels?.['app.kubernetes.io/component'] === 'worker' && isReady(p),
      )
      const victim = workers[k % workers.length]!
      const pid = containerPid(victim)
      if (!pid) throw new Error(`${victim.metadata!.name} has no running container`)
      process.kill(pid, 'SIGKILL')
      const killed = Date.now()
      await waitFor(
        'the job is Ready again with a replacement',
        async () => {
          const j = await job()
          const replaced = j.status?.workers?.every((w) => w.pod !== victim.metadata!.name && w.ready)
          return j.status?.phase === 'Running' && replaced ? true : undefined
        },
        120_000,
        { intervalMs: 100 },
      )
      recoveries.push(Date.now() - killed)
      console.log(`SIGKILL ${victim.metadata!.name} → job Ready again: ${s(recoveries.at(-1)!)}`)
    }
    console.log(
      `\nsummary: apply → all workers Ready ${s(allReady)}; pod → Ready median ${s(median(perPod))}; ` +
        `SIGKILL → Ready median ${s(median(recoveries))} (min ${s(Math.min(...recoveries))}, max ${s(Math.max(...recoveries))}, n=${recoveries.length})`,
    )
  } finally {
    await stack.stop()
  }
}

function manifest(bootstrap: string, s3: { bucket: string; endpoint: string; region: string }) {
  return {
    apiVersion: 'exactly.dev/v1alpha1',
    kind: 'StreamJob',
    metadata: { name: JOB, namespace: NAMESPACE },
    spec: {
      image: 'exactly:dev',
      job: { module: '/app/examples/word-count/job.ts' },
      parallelism: PARALLELISM,
      kafka: { bootstrapServers: [bootstrap], source: { topics: ['node-words'] }, sink: { topic: 'node-counts' } },
      checkpoint: {
        interval: '1s',
        storage: {
          uri: `s3://${s3.bucket}/bench-node`,
          endpoint: s3.endpoint,
          region: s3.region,
          forcePathStyle: true,
          credentialsSecretRef: { name: 's3' },
        },
      },
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '1Gi' } },
      restartPolicy: { maxRestarts: 100, backoff: { initial: '1s', max: '5s' } },
    },
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
