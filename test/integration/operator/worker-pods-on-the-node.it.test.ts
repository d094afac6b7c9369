/**
 * What only a real kubelet can show about the worker pods the operator makes: the pod security
 * context is enforced on the running container; `kubectl delete pod` delivers SIGTERM, the
 * worker takes its final checkpoint within the grace period and the replacement restores from
 * it; the kubelet and then containerd killed and started again (a node's service manager does
 * that; the stack's supervisor here) leave the job running; a worker killed by its memory limit
 * is reported as such, with the fix. The output is audited each time.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { KafkajsClient } from '../../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { isAlive } from '../../../stack/process-group.ts'
import { containerPid, tailContainerLogs } from '../../../stack/real-node/pod-inspect.ts'
import { createTopic, kafkaFor } from '../../../stack/topics.ts'
import { waitFor } from '../../../stack/wait.ts'
import { OperatorHarness } from '../helpers/operator-harness.ts'
import { WordCountTopics, wordCountJob } from './word-count-job.ts'

const stack = inject('stack')
if (!stack.kafka || !stack.s3 || !stack.kube) throw new Error('The integration stack lacks Kafka, S3 or Kubernetes')
const h = new OperatorHarness(stack, 'node')
const kafka = kafkaFor(stack.kafka.bootstrap)
const client = new KafkajsClient({ brokers: [stack.kafka.bootstrap] })
const JOB = 'counts'
let words: WordCountTopics

const wait = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000) =>
  h.waitFor(what, JOB, check, timeoutMs)

async function runningWorker(slot: number) {
  return wait(`a ready worker of slot ${slot}`, async () => {
    const pods = await h.jobPods(JOB)
    return pods.find(
      (p) =>
        p.metadata?.labels?.['exactly.dev/slot'] === String(slot) &&
        !p.metadata.deletionTimestamp &&
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    )
  })
}

/** `kubectl exec` into a worker: the API server reaches the kubelet, which runs it in the container. */
const exec = (pod: string, script: string) =>
  h.kubectl('exec', '-n', h.namespace, pod, '--', 'sh', '-c', `${script} 2>&1; echo "exit=$?"`)

beforeAll(async () => {
  await h.install()
  await client.connect()
  const topics = {
    input: await createTopic(kafka, 'node-words', 2),
    output: await createTopic(kafka, 'node-counts', 2),
  }
  words = new WordCountTopics(kafka, stack.kafka!.bootstrap, client, topics, wait)
  await h.createJob(wordCountJob(h, JOB, topics.input, topics.output, 5))
  await wait('the job is Running', async () => ((await h.readJob(JOB)).status?.phase === 'Running' ? true : undefined))
}, 240_000)

afterAll(async () => {
  await client.close()
  const problems = await h.cleanup([JOB, 'hungry'])
  if (problems.length > 0) process.stderr.write(`cleanup: ${problems.join('\n')}\n`)
})

describe('worker pods under the real kubelet', () => {
  it('run as uid 10001 with no capabilities, no privilege escalation, seccomp, and a read-only root filesystem', async () => {
    const pod = await runningWorker(0)
    const pid = containerPid(pod)
    expect(pid, 'the worker container has a process').toBeGreaterThan(0)
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim()
    expect(field('Uid')?.split(/\s+/)).toEqual(['10001', '10001', '10001', '10001'])
    expect(field('CapEff')).toBe('0000000000000000')
    expect(field('NoNewPrivs')).toBe('1')
    expect(field('Seccomp')).toBe('2')
    const name = pod.metadata!.name!
    expect(await exec(name, 'id -u')).toBe('10001\nexit=0\n')
    for (const path of ['/x', '/app/x', '/tmp/x']) {
      expect(await exec(name, `touch ${path}`), `writing ${path}`).toMatch(/Read-only file system\nexit=1\n$/)
    }
  })

  it('a pod that is not the operator cannot stop a worker: its POST /stop is refused and the worker runs on', async () => {
    const worker = await runningWorker(1)
    const pid = containerPid(worker)
    const url = `http://${worker.status!.podIP}:8080/stop`
    await h.core.createNamespacedPod({
      namespace: h.namespace,
      body: {
        metadata: { name: 'intruder' },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'main',
              image: 'exactly:dev',
              command: [
                'node',
                '-e',
                `fetch('${url}', { method: 'POST' }).then(async (r) => console.log('answer', r.status, await r.text()))`,
              ],
            },
          ],
        },
      },
    })
    const done = await waitFor(
      'the intruder pod ends',
      async () => {
        const pod = await h.core.readNamespacedPod({ namespace: h.namespace, name: 'intruder' })
        return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' ? pod : undefined
      },
      60_000,
    )
    expect(done.status?.phase).toBe('Succeeded')
    expect(tailContainerLogs(h.namespace, { pod: 'intruder' })).toMatch(
      /answer 401 .*must carry x-exactly-stop-signature/,
    )
    await h.core.deleteNamespacedPod({ namespace: h.namespace, name: 'intruder' })
    const after = await runningWorker(1)
    expect(after.metadata!.name).toBe(worker.metadata!.name)
    expect(containerPid(after)).toBe(pid)
  })

  it('kubectl delete pod: SIGTERM, a final checkpoint within the grace period, and the replacement restores from it', async () => {
    await words.feed(300)
    const pod = await runningWorker(0)
    const name = pod.metadata!.name!
    const grace = pod.spec!.terminationGracePeriodSeconds!
    // The kubelet removes a deleted pod's log with the pod: collect it while the worker stops.
    let log = ''
    const deletedAt = Date.now()
    await h.kubectl('delete', 'pod', '-n', h.namespace, name, '--wait=false')
    const stopped = await waitFor(
      `${name} logs that it stopped cleanly`,
      async () => {
        log = tailContainerLogs(h.namespace, { pod: name, lines: 200 }) || log
        const line = log.split('\n').find((l) => l.includes('stopped cleanly'))
        return line ? { at: Date.now(), line } : undefined
      },
      grace * 1000,
      { intervalMs: 50 },
    )
    const stopMs = stopped.at - deletedAt
    process.stdout.write(`[node] ${name}: SIGTERM to a clean stop in ${stopMs} ms (grace ${grace} s)\n`)
    expect(log).toMatch(/"reason":"SIGTERM".*stop requested: taking a final checkpoint/)
    const finalCheckpoint = (JSON.parse(stopped.line) as { lastCheckpoint: number }).lastCheckpoint
    expect(finalCheckpoint).toBeGreaterThan(0)
    expect(stopMs).toBeLessThan(grace * 1000)

    const replacement = await runningWorker(0)
    expect(replacement.metadata!.name).not.toBe(name)
    const restored = tailContainerLogs(h.namespace, { pod: replacement.metadata!.name!, lines: 200 })
      .split('\n')
      .find((l) => l.includes('slot restored and running'))
    expect(restored, 'the replacement logged its restore').toBeDefined()
    expect((JSON.parse(restored!) as { nextCheckpointId: number }).nextCheckpointId).toBe(finalCheckpoint + 1)
    await words.feed(200)
    await words.audit()
  })

  it('the kubelet killed and started again, then containerd: the workers keep running and the output is exact', async () => {
    const pidOf = (name: string) => Number(readFileSync(join(stack.dir, 'pids', `${name}.pid`), 'utf8'))
    const workersBefore = await Promise.all([runningWorker(0), runningWorker(1)])
    const nodeReady = async () => {
      const node = await h.core.readNode({ name: stack.kube!.nodeName })
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined
    }
    for (const component of ['kubelet', 'containerd']) {
      await words.feed(150)
      const old = pidOf(component)
      process.kill(old, 'SIGKILL')
      const restarted = await waitFor(
        `${component} is started again`,
        async () => {
          try {
            const pid = pidOf(component)
            return pid !== old && isAlive(pid) ? pid : undefined
          } catch {
            return undefined
          }
        },
        30_000,
      )
      await waitFor('the node is Ready', nodeReady, 60_000)
      process.stdout.write(`[node] ${component} ${old} killed, ${restarted} runs\n`)
    }
    // A node restart without pod loss: the same worker containers, with the same processes.
    const workersAfter = await Promise.all([runningWorker(0), runningWorker(1)])
    expect(workersAfter.map((p) => p.metadata!.name)).toEqual(workersBefore.map((p) => p.metadata!.name))
    expect(workersAfter.map((p) => containerPid(p))).toEqual(workersBefore.map((p) => containerPid(p)))
    await words.feed(150)
    await words.audit()
    expect((await h.readJob(JOB)).status?.phase).toBe('Running')
  })

  it('a worker killed by its memory limit: the status says OOMKilled with the limit and the fix, it is replaced, and raised, the output is exact', async () => {
    const name = 'hungry'
    const topics = {
      input: await createTopic(kafka, 'hungry-in', 2),
      output: await createTopic(kafka, 'hungry-out', 2),
    }
    const hungryWait = <T>(what: string, check: () => Promise<T | undefined>) => h.waitFor(what, name, check, 120_000)
    const hungry = new WordCountTopics(kafka, stack.kafka!.bootstrap, client, topics, hungryWait)
    await hungry.feed(200)
    const manifest = wordCountJob(h, name, topics.input, topics.output, 50)
    // Less than a Node process with the runtime loaded needs: the kernel kills it as it starts up.
    manifest.spec.resources = { requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '40Mi' } }
    await h.createJob(manifest)
    const killed = await hungryWait('a worker was OOMKilled and replaced', async () => {
      const job = await h.readJob(name)
      return job.status?.lastFailure?.reason === 'WorkerOOMKilled' && (job.status.restarts ?? 0) >= 1 ? job : undefined
    })
    expect(killed.status?.lastFailure?.message).toMatch(
      /^hungry-g1-s\d-a\d+ was killed by the kernel for going over its memory limit of 40Mi \(OOMKilled, exit code 137\)\. .*raise spec\.resources\.limits\.memory/,
    )
    const degraded = killed.status?.conditions?.find((c) => c.type === 'Degraded')
    expect(degraded?.message).toContain('memory limit of 40Mi (OOMKilled')
    expect(
      await h.core.listNamespacedEvent({ namespace: h.namespace, fieldSelector: `involvedObject.name=${name}` }),
    ).toSatisfy((events: { items: { reason?: string }[] }) => events.items.some((e) => e.reason === 'WorkerOOMKilled'))

    await h.patchJob(name, { spec: { resources: { requests: { memory: '96Mi' }, limits: { memory: '1Gi' } } } })
    await hungryWait('hungry is Running', async () =>
      (await h.readJob(name)).status?.phase === 'Running' ? true : undefined,
    )
    await hungry.feed(100)
    await hungry.audit()
    await h.deleteJob(name)
  })
})
