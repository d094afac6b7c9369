/**
 * The operator end to end on the real API server, installed the way users install it: `helm
 * install` of charts/exactly, two replicas on the node agent, each running under the chart's
 * ServiceAccount token (so a missing RBAC rule fails this test). Worker pods run as real `exactly
 * worker` processes against the real broker and S3 server. A StreamJob is created, a worker
 * process is killed (the operator replaces it with attempt + 1), the job is rescaled 2 → 3 while
 * the leading operator is killed mid-change (the other replica takes the Lease and finishes it),
 * and deleted (no pod and no open transaction left). The output is audited record by record.
 */
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { compareOutput } from '../../../examples/verify-model.ts'
import { expectedWordCount } from '../../../examples/word-count/expected.ts'
import type { StreamJob } from '../../../operator/api/streamjob-types.ts'
import { GROUP, PLURAL, VERSION } from '../../../operator/kube/kube-api.ts'
import { KafkajsClient } from '../../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { readToEnd } from '../../../runtime/kafka/read-to-end.ts'
import { componentDir } from '../../../stack/components.ts'
import { pidOf } from '../../../stack/node-agent/pod-status.ts'
import { createTopic, kafkaFor } from '../../../stack/topics.ts'
import { waitFor as eventually } from '../../../stack/wait.ts'
import { helm } from '../chart/chart.ts'
import { produceSlowly } from '../helpers/kafka.ts'
import { createNamespace, kubeFor } from '../helpers/kube.ts'

const stack = inject('stack')
if (!stack.kafka || !stack.s3 || !stack.kube) throw new Error('The integration stack lacks Kafka, S3 or Kubernetes')
const s3 = stack.s3
const { kc } = kubeFor(stack)
const core = kc.makeApiClient(CoreV1Api)
const custom = kc.makeApiClient(CustomObjectsApi)
const kafka = kafkaFor(stack.kafka.bootstrap)
const client = new KafkajsClient({ brokers: [stack.kafka.bootstrap] })
const root = join(import.meta.dirname, '..', '..', '..')
const coordination = kc.makeApiClient(CoordinationV1Api)
const release = `op-${randomUUID().slice(0, 6)}`
const system = `${release}-system`
const WORDS = ['ant', 'bee', 'cat', 'dog', 'eel', 'fox', 'gnu']

let namespace = ''
let input = ''
let output = ''
let fed = 0

async function kubectl(...args: string[]): Promise<string> {
  const bin = `${await componentDir('kubectl-helm')}/kubectl`
  return (await promisify(execFile)(bin, ['--kubeconfig', stack.kube!.kubeconfig, ...args])).stdout
}

const target = () => ({ group: GROUP, version: VERSION, plural: PLURAL, namespace })
const readJob = async () => (await custom.getNamespacedCustomObject({ ...target(), name: 'counts' })) as StreamJob
const jobPods = async () =>
  (await core.listNamespacedPod({ namespace, labelSelector: 'exactly.dev/job=counts' })).items as V1Pod[]
const condition = (job: StreamJob, type: string) => job.status?.conditions?.find((c) => c.type === type)
/** The operator pods' logs, from the node agent's pod directories. */
function operatorLog(): string {
  const dir = join(stack.kube!.kubeconfig, '..', '..', 'pods')
  if (!existsSync(dir)) return '(no pod logs)'
  return readdirSync(dir)
    .filter((d) => d.startsWith(`${system}_`))
    .map((d) => {
      const file = join(dir, d, 'operator.log')
      const text = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n') : ''
      return `--- ${d}\n${text}`
    })
    .join('\n')
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  try {
    return await eventually(what, check, timeoutMs)
  } catch (error) {
    throw new Error(`${(error as Error).message}\noperator log ends:\n${operatorLog()}`)
  }
}

async function feed(count: number): Promise<void> {
  const start = fed
  fed += count
  await produceSlowly(
    kafka,
    input,
    count,
    (i) => {
      const word = WORDS[(start + i) % WORDS.length]!
      return { key: word, value: word }
    },
    { batch: 50, pauseMs: 100 },
  )
}

/** Waits until the output holds one record per input word, then audits it record by record. */
async function auditOutput(): Promise<void> {
  const expectedCount = fed
  await waitFor(`the output holds ${expectedCount} records`, async () => {
    const out = await readToEnd(client, output)
    return out.records.length >= expectedCount ? true : undefined
  })
  const inRecords = (await readToEnd(client, input)).records
  const out = await readToEnd(client, output)
  const report = compareOutput(
    expectedWordCount(
      inRecords.map((r) => ({
        topic: r.topic,
        partition: r.partition,
        offset: String(r.offset),
        key: r.key?.toString() ?? null,
        value: r.value?.toString() ?? null,
      })),
    ),
    out.records.map((r) => ({ key: r.key?.toString() ?? null, value: r.value?.toString() ?? null })),
  )
  expect({
    duplicates: report.duplicates.slice(0, 5),
    missing: report.missing.slice(0, 5),
    unexpected: report.unexpected.slice(0, 5),
  }).toEqual({ duplicates: [], missing: [], unexpected: [] })
  expect(report.actual).toBe(expectedCount)
}

beforeAll(async () => {
  await kubectl(
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=exactly-tests',
    '-f',
    join(root, 'crds/streamjobs.exactly.dev.yaml'),
  )
  await kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/streamjobs.exactly.dev')
  namespace = await createNamespace(core, 'operator')
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: 's3' },
      stringData: { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey },
    },
  })
  input = await createTopic(kafka, 'op-words', 2)
  output = await createTopic(kafka, 'op-counts', 3)
  await client.connect()
  const installed = await helm([
    'install',
    release,
    join(root, 'charts/exactly'),
    '--namespace',
    system,
    '--create-namespace',
    '--kubeconfig',
    stack.kube!.kubeconfig,
    // The CRD was applied above (other tests may have applied it too).
    '--skip-crds',
    '--set',
    'image.repository=exactly',
    '--set',
    'image.tag=dev',
    '--set',
    'replicas=2',
    '--set',
    `watchNamespaces={${namespace}}`,
    '--wait',
    '--timeout',
    '120s',
  ])
  expect(installed.code, `${installed.stdout}\n${installed.stderr}\n${operatorLog()}`).toBe(0)
}, 120_000)

afterAll(async () => {
  await client.close()
  // StreamJobs first, while the operator runs: their finalizers close their transactions, and a
  // namespace holding a StreamJob with a finalizer but no operator could never be deleted.
  await custom.deleteCollectionNamespacedCustomObject({ ...target() }).catch(() => {})
  await eventually(
    'every StreamJob of the test is gone',
    async () => {
      const left = (await custom.listNamespacedCustomObject({ ...target() })) as { items: unknown[] }
      return left.items.length === 0 ? true : undefined
    },
    60_000,
  ).catch(() => {})
  await helm(['uninstall', release, '--namespace', system, '--kubeconfig', stack.kube!.kubeconfig, '--wait'])
  await core.deleteNamespace({ name: namespace }).catch(() => {})
  await core.deleteNamespace({ name: system }).catch(() => {})
})

/**
 * Kills the leading operator's process. Its container restarts within seconds and, holding the
 * same identity (the pod name), may take the Lease straight back; otherwise the other replica
 * takes it once it expires. Either way the change must be finished from status and pods alone.
 */
async function killLeader(): Promise<string> {
  const lease = await coordination.readNamespacedLease({ namespace: system, name: 'exactly-operator' })
  const leader = lease.spec?.holderIdentity ?? ''
  const pod = await core.readNamespacedPod({ namespace: system, name: leader })
  const pid = pidOf(pod)
  expect(pid, `the leader ${leader} has a process`).toBeGreaterThan(0)
  process.kill(pid!, 'SIGKILL')
  return leader
}

/** A word-count StreamJob reading `from` and writing `to` (the shape a user applies). */
function wordCountJob(name: string, from: string, to: string, maxRestarts: number) {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'StreamJob',
    metadata: { name, namespace },
    spec: {
      image: 'exactly:dev',
      job: { module: '/app/examples/word-count/job.ts' },
      parallelism: 2,
      kafka: {
        bootstrapServers: [stack.kafka!.bootstrap],
        source: { topics: [from] },
        sink: { topic: to },
        transactionTimeout: '60s',
      },
      checkpoint: {
        interval: '1s',
        timeout: '20s',
        storage: {
          uri: `s3://${s3.bucket}/operator-${randomUUID().slice(0, 8)}`,
          endpoint: s3.endpoint,
          region: s3.region,
          forcePathStyle: true,
          credentialsSecretRef: { name: 's3' },
        },
      },
      restartPolicy: { maxRestarts, backoff: { initial: '1s', max: '5s' } },
    },
  }
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

describe('exactly operator', () => {
  it('runs a StreamJob to Ready and replaces a killed worker with attempt + 1', async () => {
    await custom.createNamespacedCustomObject({ ...target(), body: wordCountJob('counts', input, output, 5) })
    const feeding = feed(600)
    const ready = await waitFor('the StreamJob is Running and Ready', async () => {
      const j = await readJob()
      return j.status?.phase === 'Running' && condition(j, 'Ready')?.status === 'True' ? j : undefined
    })
    expect(ready.metadata.finalizers).toContain('exactly.dev/stop-cleanly')
    expect(ready.status?.workers?.map((w) => [w.slot, w.pod, w.attempt])).toEqual([
      [0, 'counts-g1-s0-a1', 1],
      [1, 'counts-g1-s1-a1', 1],
    ])
    const printed = await kubectl('get', 'sj', '-n', namespace)
    expect(printed).toMatch(/counts\s+Running\s+True\s+2/)

    const victim = (await jobPods()).find((p) => p.metadata?.name === 'counts-g1-s1-a1')!
    const pid = pidOf(victim)
    expect(pid, 'the node agent reports the pid in containerID').toBeGreaterThan(0)
    process.kill(pid!, 'SIGKILL')

    const recovered = await waitFor('slot 1 runs again as attempt 2', async () => {
      const j = await readJob()
      const slot1 = j.status?.workers?.find((w) => w.slot === 1)
      return slot1?.attempt === 2 && j.status?.phase === 'Running' ? j : undefined
    })
    expect(recovered.status?.restarts).toBe(1)
    expect(recovered.status?.lastFailure).toMatchObject({ slot: 1, attempt: 1, reason: 'WorkerFailed' })
    const events = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=counts' })
    expect(events.items.map((e) => e.reason)).toContain('WorkerFailed')
    await feeding
    await auditOutput()
  })

  it('rescales 2 → 3 through a new generation, with no duplicate and no loss', async () => {
    await custom.patchNamespacedCustomObject(
      { ...target(), name: 'counts', body: { spec: { parallelism: 3 } } },
      mergePatch,
    )
    await waitFor(
      'the job is Upgrading',
      async () => ((await readJob()).status?.phase === 'Upgrading' ? true : undefined),
      30_000,
    )
    // Mid-change: the leader dies; whoever leads next must finish the change from status and pods.
    const killed = await killLeader()
    const feeding = feed(400)
    const upgraded = await waitFor('generation 2 runs with 3 workers', async () => {
      const j = await readJob()
      return j.status?.current?.generation === 2 && j.status.phase === 'Running' ? j : undefined
    })
    expect(upgraded.status?.workers?.map((w) => w.pod)).toEqual([
      'counts-g2-s0-a1',
      'counts-g2-s1-a1',
      'counts-g2-s2-a1',
    ])
    expect(condition(upgraded, 'TransactionsClean')?.status).toBe('True')
    const names = (await jobPods()).map((p) => p.metadata?.name).sort()
    expect(names.filter((n) => n?.startsWith('counts-g1'))).toEqual([])
    expect(names.filter((n) => n?.startsWith('counts-g2'))).toEqual([
      'counts-g2-s0-a1',
      'counts-g2-s1-a1',
      'counts-g2-s2-a1',
    ])
    const lease = await coordination.readNamespacedLease({ namespace: system, name: 'exactly-operator' })
    expect(lease.spec?.holderIdentity, 'a surviving replica leads now').toBeTruthy()
    expect(killed).toBeTruthy()
    await feeding
    await auditOutput()
  })

  it('suspends (closing the generation, no pod left) and resumes from the restore point', async () => {
    await custom.patchNamespacedCustomObject(
      { ...target(), name: 'counts', body: { spec: { state: 'suspended' } } },
      mergePatch,
    )
    const suspended = await waitFor('the job is Suspended', async () => {
      const j = await readJob()
      return j.status?.phase === 'Suspended' ? j : undefined
    })
    expect(condition(suspended, 'Ready')).toMatchObject({ status: 'False', reason: 'Suspended' })
    await waitFor(
      'no pod is left while suspended',
      async () => ((await jobPods()).length === 0 ? true : undefined),
      60_000,
    )
    expect((await readToEnd(client, output)).openTransactions).toEqual([])
    const feeding = feed(200)
    await custom.patchNamespacedCustomObject(
      { ...target(), name: 'counts', body: { spec: { state: 'running' } } },
      mergePatch,
    )
    const resumed = await waitFor('the job runs again as generation 3', async () => {
      const j = await readJob()
      return j.status?.current?.generation === 3 && j.status.phase === 'Running' ? j : undefined
    })
    expect(resumed.status?.workers).toHaveLength(3)
    await feeding
    await auditOutput()
  })

  it('a savepointTrigger takes a savepoint listed in status, and the job goes on exactly', async () => {
    await custom.patchNamespacedCustomObject(
      { ...target(), name: 'counts', body: { spec: { savepointTrigger: 'before-upgrade' } } },
      mergePatch,
    )
    const saved = await waitFor('the savepoint is listed and the job runs again', async () => {
      const j = await readJob()
      return j.status?.savepoints?.length === 1 && j.status.phase === 'Running' ? j : undefined
    })
    expect(saved.status?.savepoints?.[0]).toMatchObject({ name: 'sp-g3-before-upgrade', trigger: 'before-upgrade' })
    expect(saved.status?.current?.generation).toBe(4)
    const events = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=counts' })
    expect(events.items.map((e) => e.reason)).toContain('SavepointTaken')
    await feed(100)
    await auditOutput()
  })

  it('a job whose worker keeps failing goes Failed past maxRestarts, with the reason', async () => {
    const badInput = await createTopic(kafka, 'op-bad', 1)
    const badOutput = await createTopic(kafka, 'op-bad-out', 1)
    await produceSlowly(kafka, badInput, 3, (i) => ({ key: `k${i}`, value: i === 1 ? ' ' : 'word' }), {
      batch: 3,
      pauseMs: 0,
    })
    await custom.createNamespacedCustomObject({ ...target(), body: wordCountJob('doomed', badInput, badOutput, 1) })
    const failed = await waitFor('the doomed job is Failed', async () => {
      const j = (await custom.getNamespacedCustomObject({ ...target(), name: 'doomed' })) as StreamJob
      return j.status?.phase === 'Failed' ? j : undefined
    })
    expect(failed.status?.restarts).toBe(1)
    expect(failed.status?.lastFailure?.reason).toBe('RestartLimitExceeded')
    expect(condition(failed, 'Degraded')).toMatchObject({ status: 'True', reason: 'RestartLimitExceeded' })
    expect(condition(failed, 'Ready')?.status).toBe('False')
    await custom.deleteNamespacedCustomObject({ ...target(), name: 'doomed' })
  })

  it('deleting the StreamJob closes its generation: no pod and no open transaction remain', async () => {
    await custom.deleteNamespacedCustomObject({ ...target(), name: 'counts' })
    await waitFor('the StreamJob is gone', async () =>
      custom.getNamespacedCustomObject({ ...target(), name: 'counts' }).then(
        () => undefined,
        () => true,
      ),
    )
    await waitFor('its pods are gone', async () => ((await jobPods()).length === 0 ? true : undefined), 60_000)
    const out = await readToEnd(client, output)
    expect(out.openTransactions).toEqual([])
    await auditOutput()
  })
})
