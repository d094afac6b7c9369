/**
 * The operator end to end on the real API server, installed the way users install it: `helm
 * install` of charts/exactly, two replicas on the real node, each running under the chart's
 * ServiceAccount token (so a missing RBAC rule fails this test). Worker pods run as containers of
 * the image against the real broker and S3 server. A StreamJob is created, a worker
 * process is killed (the operator replaces it with attempt + 1), the job is rescaled 2 → 3 while
 * the leading operator is killed mid-change (the other replica takes the Lease and finishes it),
 * and deleted (no pod and no open transaction left). The output is audited record by record.
 * The job's NetworkPolicy, made by the operator under the chart's RBAC, is read back from the API
 * server (the CNI bridge here does not enforce it: that is a network plugin's work).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { WORKER_PORT } from '../../../contract/defaults.ts'
import type { StreamJob } from '../../../operator/api/streamjob-types.ts'
import { networkPolicyName } from '../../../operator/model/names.ts'
import { KafkajsClient } from '../../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { readToEnd } from '../../../runtime/kafka/read-to-end.ts'
import { containerPid } from '../../../stack/real-node/pod-inspect.ts'
import { createTopic, kafkaFor } from '../../../stack/topics.ts'
import { produceSlowly } from '../helpers/kafka.ts'
import { OperatorHarness } from '../helpers/operator-harness.ts'
import { objectStoreFor } from '../helpers/s3.ts'
import { WordCountTopics, wordCountJob } from './word-count-job.ts'

const stack = inject('stack')
if (!stack.kafka || !stack.s3 || !stack.kube) throw new Error('The integration stack lacks Kafka, S3 or Kubernetes')
const h = new OperatorHarness(stack, 'op')
const kafka = kafkaFor(stack.kafka.bootstrap)
const client = new KafkajsClient({ brokers: [stack.kafka.bootstrap] })
const objects = objectStoreFor(stack)
const JOB = 'counts'
let words: WordCountTopics

/** Polls `check` (90 s unless told); a time-out names the job's status and the operator log. */
function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000, job = JOB): Promise<T> {
  return h.waitFor(what, job, check, timeoutMs)
}

const readJob = () => h.readJob(JOB)
const jobPods = () => h.jobPods(JOB)
const condition = (job: StreamJob, type: string) => job.status?.conditions?.find((c) => c.type === type)
const feed = (count: number) => words.feed(count)
const auditOutput = () => words.audit()

beforeAll(async () => {
  // The CRD, the namespace with the S3 secret, then `helm install` of the chart, two replicas.
  await h.install()
  const topics = { input: await createTopic(kafka, 'op-words', 2), output: await createTopic(kafka, 'op-counts', 3) }
  words = new WordCountTopics(kafka, stack.kafka!.bootstrap, client, topics, waitFor)
  await client.connect()
  // Beside the other tests (its own job and topics), awaited by its own test: it spends most of
  // its time waiting for a pod to fail twice.
  doomed = runDoomedJob()
  doomed.catch(() => {})
}, 180_000)

afterAll(async () => {
  await client.close()
  // StreamJobs first, while the operator runs: their finalizers close their transactions, and a
  // namespace holding a StreamJob with a finalizer but no operator could never be deleted.
  const problems = await h.cleanup([JOB, 'doomed'])
  if (problems.length > 0) process.stderr.write(`operator test cleanup: ${problems.join('\n')}\n`)
})

/**
 * Kills the leading operator's process while the job's layout change is in progress, and proves
 * it was: the status shows the transition (from generation 1, not Done) read just before the
 * kill and again just after it, so the change was under way at the instant of the kill. Its
 * container restarts within seconds and, holding the same identity (the pod name), may take the
 * Lease straight back; otherwise the other replica takes it once it expires. Either way the
 * change must be finished from status and pods alone.
 */
async function killLeaderMidChange(): Promise<{ pod: string; pid: number; killedAt: number; stage: string }> {
  const leader = await h.leader()
  expect(leader.pid, `the leader ${leader.pod} has a process`).toBeGreaterThan(0)
  const before = await readJob()
  expect(before.status?.current?.generation, 'generation 1 still runs').toBe(1)
  expect(before.status?.transition, 'the change is under way before the kill').toMatchObject({
    kind: 'upgrade',
    toGeneration: 2,
    stage: expect.stringMatching(/^(Stopping|Recovering)$/),
  })
  process.kill(leader.pid!, 'SIGKILL')
  const killedAt = Date.now()
  const after = await readJob()
  expect(after.status?.current?.generation, 'the change was not finished when the leader died').toBe(1)
  expect(after.status?.transition?.stage, 'the change is still under way after the kill').toMatch(
    /^(Stopping|Recovering)$/,
  )
  return { pod: leader.pod, pid: leader.pid!, killedAt, stage: before.status!.transition!.stage }
}

/** The job's NetworkPolicies as the API server stores them (kubectl: the wire names, `from`). */
async function jobNetworkPolicies(): Promise<StoredNetworkPolicy[]> {
  const out = await h.kubectl('get', 'networkpolicies', '-n', h.namespace, '-l', `exactly.dev/job=${JOB}`, '-o', 'json')
  return JSON.parse(out).items
}
type StoredNetworkPolicy = {
  metadata: { name: string; ownerReferences?: unknown[] }
  spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress: unknown[] }
}
const selector = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')

/**
 * The operator made the job's NetworkPolicy under the chart's RBAC, and the API server took it:
 * it selects exactly the job's worker pods and lets in exactly the operator's pods, on the worker port.
 */
async function expectNetworkPolicy(job: StreamJob): Promise<void> {
  const [policy, ...more] = await jobNetworkPolicies()
  expect(more, 'one NetworkPolicy per job').toEqual([])
  expect(policy?.metadata.name).toBe(networkPolicyName(JOB, job.metadata.uid ?? ''))
  expect(policy?.metadata.ownerReferences).toEqual([
    {
      apiVersion: 'exactly.dev/v1alpha1',
      kind: 'StreamJob',
      name: JOB,
      uid: job.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ])
  const operatorPods = {
    'app.kubernetes.io/name': 'exactly',
    'app.kubernetes.io/instance': h.release,
    'app.kubernetes.io/component': 'operator',
  }
  expect(policy?.spec.policyTypes).toEqual(['Ingress'])
  expect(policy?.spec.ingress).toEqual([
    {
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': h.system } },
          podSelector: { matchLabels: operatorPods },
        },
      ],
      ports: [{ protocol: 'TCP', port: WORKER_PORT }],
    },
  ])
  // Its selectors find what they mean to: the job's two workers, and both operator replicas.
  const workers = await h.core.listNamespacedPod({
    namespace: h.namespace,
    labelSelector: selector(policy!.spec.podSelector.matchLabels),
  })
  expect(workers.items.map((p) => p.metadata?.name).sort()).toEqual(['counts-g1-s0-a1', 'counts-g1-s1-a1'])
  const operators = await h.core.listNamespacedPod({ namespace: h.system, labelSelector: selector(operatorPods) })
  expect(operators.items).toHaveLength(2)
}

let doomed: Promise<StreamJob>

/** A job whose one input record the word count refuses: its worker fails, is restarted once, fails again. */
async function runDoomedJob(): Promise<StreamJob> {
  const badInput = await createTopic(kafka, 'op-bad', 1)
  const badOutput = await createTopic(kafka, 'op-bad-out', 1)
  await produceSlowly(kafka, badInput, 3, (i) => ({ key: `k${i}`, value: i === 1 ? ' ' : 'word' }), {
    batch: 3,
    pauseMs: 0,
  })
  await h.createJob(wordCountJob(h, 'doomed', badInput, badOutput, 1))
  return waitFor(
    'the doomed job is Failed',
    async () => {
      const j = await h.readJob('doomed')
      return j.status?.phase === 'Failed' ? j : undefined
    },
    150_000,
    'doomed',
  )
}

describe('exactly operator', () => {
  it('runs a StreamJob to Ready and replaces a killed worker with attempt + 1', async () => {
    await h.createJob(wordCountJob(h, 'counts', words.input, words.output, 5))
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
    const printed = await h.kubectl('get', 'sj', '-n', h.namespace)
    expect(printed).toMatch(/counts\s+Running\s+True\s+2/)
    await expectNetworkPolicy(ready)

    const victim = (await jobPods()).find((p) => p.metadata?.name === 'counts-g1-s1-a1')!
    const pid = containerPid(victim)
    expect(pid, "the worker's container has a running process").toBeGreaterThan(0)
    process.kill(pid!, 'SIGKILL')

    const recovered = await waitFor('slot 1 runs again as attempt 2', async () => {
      const j = await readJob()
      const slot1 = j.status?.workers?.find((w) => w.slot === 1)
      return slot1?.attempt === 2 && j.status?.phase === 'Running' ? j : undefined
    })
    expect(recovered.status?.restarts).toBe(1)
    expect(recovered.status?.lastFailure).toMatchObject({ slot: 1, attempt: 1, reason: 'WorkerFailed' })
    const events = await h.core.listNamespacedEvent({
      namespace: h.namespace,
      fieldSelector: 'involvedObject.name=counts',
    })
    expect(events.items.map((e) => e.reason)).toContain('WorkerFailed')
    await feeding
    await auditOutput()
  })

  it('rescales 2 → 3 through a new generation, with no duplicate and no loss', async () => {
    await h.patchJob('counts', { spec: { parallelism: 3 } })
    await waitFor(
      'the job is Upgrading',
      async () => ((await readJob()).status?.phase === 'Upgrading' ? true : undefined),
      30_000,
    )
    // Mid-change: the leader dies; whoever leads next must finish the change from status and pods.
    const killed = await killLeaderMidChange()
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
    // A new operator process took the Lease after the kill (the other replica, or the killed
    // one's restarted container under the same pod name), and it finished the change.
    const next = await h.leader()
    expect(next.pid, `${killed.pod} (pid ${killed.pid}) was killed during ${killed.stage}`).not.toBe(killed.pid)
    expect(next.pid).toBeGreaterThan(0)
    expect(next.renewedAt, 'the Lease was renewed after the kill').toBeGreaterThan(killed.killedAt)
    await feeding
    await auditOutput()
  })

  it('suspends (closing the generation, no pod left) and resumes from the restore point', async () => {
    await h.patchJob('counts', { spec: { state: 'suspended' } })
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
    expect((await readToEnd(client, words.output)).openTransactions).toEqual([])
    const feeding = feed(200)
    await h.patchJob('counts', { spec: { state: 'running' } })
    const resumed = await waitFor('the job runs again as generation 3', async () => {
      const j = await readJob()
      return j.status?.current?.generation === 3 && j.status.phase === 'Running' ? j : undefined
    })
    expect(resumed.status?.workers).toHaveLength(3)
    await feeding
    await auditOutput()
  })

  it('a savepointTrigger takes a savepoint while the job runs, listed in status, and the job goes on exactly', async () => {
    const workerPods = async () =>
      (await jobPods())
        .map((p) => p.metadata?.name ?? '')
        .filter((n) => /-g3-s\d+-a\d+$/.test(n))
        .sort()
    const podsBefore = await workerPods()
    expect(podsBefore).toHaveLength(3)
    const feeding = feed(200)
    await h.patchJob('counts', { spec: { savepointTrigger: 'before-upgrade' } })
    const saved = await waitFor('the savepoint is listed', async () => {
      const j = await readJob()
      return j.status?.savepoints?.length === 1 ? j : undefined
    })
    expect(saved.status?.savepoints?.[0]).toMatchObject({ name: 'sp-g3-before-upgrade', trigger: 'before-upgrade' })
    // Taken while running: the same generation and the same worker pods, never stopped.
    expect(saved.status?.current?.generation).toBe(3)
    expect(saved.status?.phase).toBe('Running')
    expect(saved.status?.runningSavepoint).toBeUndefined()
    expect(await workerPods()).toEqual(podsBefore)
    const events = await h.core.listNamespacedEvent({
      namespace: h.namespace,
      fieldSelector: 'involvedObject.name=counts',
    })
    const reasons = events.items.map((e) => e.reason)
    expect(reasons).toContain('SavepointStarted')
    expect(reasons).toContain('SavepointTaken')
    expect(reasons).not.toContain('SavepointAbandoned')
    await feeding
    await auditOutput()
  })

  it('a job whose worker keeps failing goes Failed past maxRestarts, with the reason', async () => {
    const failed = await doomed
    expect(failed.status?.restarts).toBe(1)
    expect(failed.status?.lastFailure?.reason).toBe('RestartLimitExceeded')
    expect(condition(failed, 'Degraded')).toMatchObject({ status: 'True', reason: 'RestartLimitExceeded' })
    expect(condition(failed, 'Ready')?.status).toBe('False')
    await h.deleteJob('doomed')
  })

  it('deleting the StreamJob closes its generation and its storage but the savepoint; the name starts fresh again', async () => {
    // Three generations (rescale, suspend) and a savepoint went by: what they left is in this directory.
    const storagePath = (await readJob()).status?.storagePath ?? ''
    const [, bucket, jobDir] = /^s3:\/\/([^/]+)\/(.+)$/.exec(storagePath) ?? []
    expect(bucket, `status.storagePath ${storagePath}`).toBe(stack.s3!.bucket)
    expect(jobDir).toMatch(new RegExp(`/${h.namespace}/counts/${(await readJob()).metadata.uid}/$`))
    await h.deleteJob('counts')
    await waitFor('the StreamJob is gone', async () =>
      readJob().then(
        () => undefined,
        () => true,
      ),
    )
    await waitFor('its pods are gone', async () => ((await jobPods()).length === 0 ? true : undefined), 60_000)
    await waitFor(
      'its NetworkPolicy is garbage-collected with it',
      async () => ((await jobNetworkPolicies()).length === 0 ? true : undefined),
      60_000,
    )
    const out = await readToEnd(client, words.output)
    expect(out.openTransactions).toEqual([])
    await auditOutput()
    // Only the savepoint is left (its own copies, so it still restores), no head, no checkpoint.
    const left = await objects.list(jobDir!)
    expect(left.length).toBeGreaterThan(0)
    expect(left.filter((k) => !k.startsWith(`${jobDir}savepoints/sp-g3-before-upgrade/`))).toEqual([])

    // The same name again is a new job (a new uid, a directory of its own): it simply starts.
    const again = new WordCountTopics(
      kafka,
      stack.kafka!.bootstrap,
      client,
      { input: await createTopic(kafka, 'op-words-2', 2), output: await createTopic(kafka, 'op-counts-2', 2) },
      waitFor,
    )
    await h.createJob(wordCountJob(h, 'counts', again.input, again.output, 5))
    const feeding = again.feed(200)
    const running = await waitFor('the new counts job is Running', async () => {
      const j = await readJob()
      return j.status?.phase === 'Running' ? j : undefined
    })
    expect(running.status?.current?.generation).toBe(1)
    expect(running.status?.storagePath).not.toBe(storagePath)
    await feeding
    await again.audit()
  })
})
