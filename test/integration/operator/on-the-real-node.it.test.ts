/**
 * What only a real scheduler and kubelet show about the pods the operator makes, each case ending
 * with the output audited record by record:
 * - the pod security context is enforced on the running container; a pod that is not the
 *   operator cannot stop a worker; `kubectl delete pod` delivers SIGTERM, the worker takes its
 *   final checkpoint within the grace period and the replacement restores from it; the kubelet
 *   and then containerd killed and started again (a node's service manager does that; the stack's
 *   supervisor here) leave the same containers running; 20 evictions (a drain) are disruptions,
 *   one worker at a time; a worker killed by its memory limit is reported as such, with the fix;
 * - bad input: an image that does not exist, resources no node can hold, a job.config too large
 *   for a pod say so in Degraded with the fix (not an endless "Starting"), and lose nothing when
 *   corrected; a job.config past what one environment variable holds reaches the workers as a file.
 * One helm install for all of them (each costs about 20 s of a run).
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { jobAcls } from '../../../runtime/kafka/job-acls.ts'
import { KafkajsClient } from '../../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { prepareStarter } from '../../../sdk/starter.ts'
import { grantAcls } from '../../../stack/kafka-acls.ts'
import { isAlive } from '../../../stack/process-group.ts'
import { containerPid, tailContainerLogs } from '../../../stack/real-node/pod-inspect.ts'
import { REPO_ROOT } from '../../../stack/repo-root.ts'
import { runCommand, runExactly } from '../../../stack/run-command.ts'
import { kafkaFor } from '../../../stack/topics.ts'
import { waitFor } from '../../../stack/wait.ts'
import { produceSlowly } from '../helpers/kafka.ts'
import { OperatorHarness } from '../helpers/operator-harness.ts'
import { condition, type NodeJob, nodeJob, warningEvents } from './node-jobs.ts'

const stack = inject('stack')
if (!stack.kafka || !stack.s3 || !stack.kube) throw new Error('The integration stack lacks Kafka, S3 or Kubernetes')
const h = new OperatorHarness(stack, 'node')
const kafka = kafkaFor(stack.kafka.bootstrap)
const client = new KafkajsClient({ brokers: [stack.kafka.bootstrap] })
const JOBS = ['counts', 'hungry', 'no-image', 'too-big', 'huge-config', 'secured', 'starter']
let counts: NodeJob
/** The starter project for the own-job case, prepared while helm installs (packing and npm install take seconds of CPU). */
let starter: Promise<string>

/** `kubectl exec` into a worker: the API server reaches the kubelet, which runs it in the container. */
const exec = (pod: string, script: string) =>
  h.kubectl('exec', '-n', h.namespace, pod, '--', 'sh', '-c', `${script} 2>&1; echo "exit=$?"`)

beforeAll(async () => {
  starter = prepareStarter().then((s) => s.project)
  starter.catch(() => {}) // awaited (and reported) by the own-job case
  await h.install()
  await client.connect()
  // Over mTLS: the worker tests below (kills, deletions, node restarts) audit a job that
  // authenticates with a client certificate and holds exactly its ACLs.
  counts = await nodeJob(h, kafka, client, {
    name: 'counts',
    words: 0,
    maxRestarts: 5,
    secured: { kind: 'mtls', principal: 'counts-cert' },
  })
  await counts.running()
}, 240_000)

afterAll(async () => {
  await client.close()
  const problems = await h.cleanup(JOBS)
  if (problems.length > 0) process.stderr.write(`cleanup: ${problems.join('\n')}\n`)
})

describe('worker pods under the real kubelet', () => {
  it('run as uid 10001 with no capabilities, no privilege escalation, seccomp, and a read-only root filesystem', async () => {
    const pod = await counts.worker(0)
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
    const worker = await counts.worker(1)
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
    const after = await counts.worker(1)
    expect(after.metadata!.name).toBe(worker.metadata!.name)
    expect(containerPid(after)).toBe(pid)
  })

  it('kubectl delete pod: SIGTERM, a final checkpoint within the grace period, and the replacement restores from it', async () => {
    await counts.words.feed(300)
    const pod = await counts.worker(0)
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

    const replacement = await counts.worker(0)
    expect(replacement.metadata!.name).not.toBe(name)
    const restored = tailContainerLogs(h.namespace, { pod: replacement.metadata!.name!, lines: 200 })
      .split('\n')
      .find((l) => l.includes('slot restored and running'))
    expect(restored, 'the replacement logged its restore').toBeDefined()
    expect((JSON.parse(restored!) as { nextCheckpointId: number }).nextCheckpointId).toBe(finalCheckpoint + 1)
    // A deleted pod is a disruption, not a failure.
    expect((await h.readJob('counts')).status?.restarts ?? 0).toBe(0)
    await counts.words.feed(200)
    await counts.words.audit()
  })

  it('the kubelet killed and started again, then containerd: the workers keep running and the output is exact', async () => {
    const pidOf = (name: string) => Number(readFileSync(join(stack.dir, 'pids', `${name}.pid`), 'utf8'))
    const workersBefore = await Promise.all([counts.worker(0), counts.worker(1)])
    const nodeReady = async () => {
      const node = await h.core.readNode({ name: stack.kube!.nodeName })
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined
    }
    for (const component of ['kubelet', 'containerd']) {
      await counts.words.feed(150)
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
    const workersAfter = await Promise.all([counts.worker(0), counts.worker(1)])
    expect(workersAfter.map((p) => p.metadata!.name)).toEqual(workersBefore.map((p) => p.metadata!.name))
    expect(workersAfter.map((p) => containerPid(p))).toEqual(workersBefore.map((p) => containerPid(p)))
    await counts.words.feed(150)
    await counts.words.audit()
    expect((await h.readJob('counts')).status?.phase).toBe('Running')
  })
})

// Side by side: each case has its own job and topics, and waits on Kubernetes (a drain's budget,
// restarts, pods that cannot start, a build) far more than it works. Vitest runs five at a time:
// the longest come first.
describe.concurrent('a drain, a memory limit, secured Kafka, pods that cannot start, and your own job', () => {
  it('20 evictions through the Eviction API (a drain) in one generation are disruptions: the budget lets one worker go at a time, no restart is counted, the job stays Running, the output is exact', async () => {
    type Budget = { spec: unknown; status?: { expectedPods?: number; disruptionsAllowed?: number } }
    const budget = async () =>
      (
        JSON.parse(await h.kubectl('get', 'pdb', '-n', h.namespace, '-l', 'exactly.dev/job=counts', '-o', 'json'))
          .items as Budget[]
      )[0]
    expect((await budget())?.spec).toEqual(
      expect.objectContaining({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' }),
    )
    // The disruption controller finds the expected count through the StreamJob's scale
    // subresource; its discovery learns of a CRD installed after it started within about 30 s.
    await counts.wait('the disruption budget synced (2 workers expected, 1 disruption allowed)', async () => {
      const status = (await budget())?.status
      return status?.expectedPods === 2 && status.disruptionsAllowed === 1 ? true : undefined
    })
    const generation = (await h.readJob('counts')).status?.current?.generation
    const evict = (name: string) =>
      h.core
        .createNamespacedPodEviction({
          name,
          namespace: h.namespace,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: h.namespace } },
        })
        .then(
          () => 201,
          (error: { code?: number }) => error.code,
        )
    // Twice maxRestarts (5) and more: were evictions counted, the job would be Failed halfway.
    const EVICTIONS = 20
    const feeding = counts.words.feed(400)
    const started = Date.now()
    let refusals = 0
    for (let i = 0; i < EVICTIONS; i++) {
      const pod = (await counts.worker(i % 2)).metadata!.name!
      // While the other slot's worker is away, the budget refuses this one (429 Too Many Requests).
      for (let answer = await evict(pod); answer !== 201; answer = await evict(pod)) {
        expect(answer, `evicting ${pod}`).toBe(429)
        refusals++
        await sleep(100)
      }
      if (i === 0) {
        const other = (await counts.worker(1)).metadata!.name!
        expect(await evict(other), `evicting ${other} with ${pod} gone`).toBe(429)
      }
      await counts.wait(`slot ${i % 2} replaced after the eviction of ${pod}`, async () => {
        const pods = await h.jobPods('counts')
        const replaced = pods.some(
          (p) => p.metadata?.labels?.['exactly.dev/slot'] === String(i % 2) && p.metadata?.name !== pod,
        )
        return replaced ? true : undefined
      })
    }
    process.stdout.write(
      `[node] ${EVICTIONS} evictions in ${((Date.now() - started) / 1000).toFixed(1)} s (${refusals} refused by the budget)\n`,
    )
    await feeding
    const job = await counts.running()
    expect(job.status?.restarts ?? 0).toBe(0)
    expect(job.status?.current?.generation).toBe(generation)
    expect(await warningEvents(h, 'counts')).not.toContainEqual(expect.stringMatching(/^WorkerGone/))
    await counts.words.feed(100)
    await counts.words.audit()
    // About 58 s alone; slower beside the other cases, which share the node's two cores.
  }, 240_000)

  it('your own job: a project of its own with an npm dependency, deployed by make dev, SIGKILLed and force-deleted while fed, audited by replaying its own code', async () => {
    const project = await starter
    const suffix = randomUUID().slice(0, 8)
    const topics = { input: `starter-in-${suffix}`, output: `starter-out-${suffix}` }
    // As a user runs it (make dev JOB=… DEV_ARGS=…), on this run's stack and operator.
    const dev = await runCommand(
      process.execPath,
      [
        join(REPO_ROOT, 'stack/dev/dev-job.ts'),
        project,
        ...['--name', 'starter', '--namespace', h.namespace, '--skip-operator', '--no-follow'],
        ...['--input', topics.input, '--output', topics.output, '--partitions', '2', '--parallelism', '2'],
      ],
      { env: { ...process.env, EXACTLY_STACK_DIR: stack.dir }, timeoutMs: 300_000 },
    )
    expect(dev.code, `${dev.stdout}${dev.stderr}`).toBe(0)
    expect(dev.stdout).toMatch(/\[dev\] image localhost\/starter:dev-[0-9a-f]+ is in the node's containerd/)
    expect(dev.stdout).toContain('[dev] starter runs')
    // This run's operator watches the namespace; one for the whole cluster would reach other tests' jobs.
    expect(dev.stdout).not.toContain('installing the operator')
    expect(dev.stdout).toContain(`exactly verify --bootstrap ${stack.kafka!.bootstrap} --job ${project}/src/job.ts`)

    const worker = (slot: number) =>
      waitFor(
        `a ready worker of starter in slot ${slot}`,
        async () =>
          (await h.jobPods('starter')).find(
            (p) =>
              p.metadata?.labels?.['exactly.dev/slot'] === String(slot) &&
              !p.metadata.deletionTimestamp &&
              p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
          ),
        60_000,
      )
    const feeding = produceSlowly(kafka, topics.input, 900, (i) => ({ key: `k${i % 11}`, value: `v${i}` }), {
      batch: 50,
      pauseMs: 150,
    })
    await sleep(800)
    process.kill(containerPid(await worker(0))!, 'SIGKILL')
    await sleep(800)
    await h.kubectl(
      'delete',
      'pod',
      '-n',
      h.namespace,
      (await worker(1)).metadata!.name!,
      '--grace-period=0',
      '--force',
    )
    expect(await feeding).toBe(900)
    // The job's own module (its `ms` from the project's node_modules), replayed over the input.
    const verify = () =>
      runExactly(
        ['verify', '--bootstrap', stack.kafka!.bootstrap, '--job', join(project, 'src/job.ts')].concat([
          '--input',
          topics.input,
          '--output',
          topics.output,
          '--json',
        ]),
      )
    const report = await waitFor(
      'the starter job output audits exact',
      async () => {
        const run = await verify()
        const parsed = JSON.parse(run.stdout || '{}') as { ok?: boolean; report?: { actual: number } }
        return parsed.ok ? parsed : undefined
      },
      90_000,
      { intervalMs: 2000 },
    )
    expect(report.report?.actual).toBe(900)
    const job = await h.readJob('starter')
    expect(job.status?.restarts ?? 0, 'the SIGKILLed worker was counted as a restart').toBeGreaterThanOrEqual(1)
  })

  it('a worker killed by its memory limit: the status says OOMKilled with the limit and the fix, it is replaced, and raised, the output is exact', async () => {
    const hungry = await nodeJob(h, kafka, client, {
      name: 'hungry',
      maxRestarts: 50,
      // Less than a Node process with the runtime loaded needs: the kernel kills it as it starts up.
      edit: (spec) => {
        spec.resources = { requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '40Mi' } }
      },
    })
    const killed = await hungry.wait('a worker was OOMKilled and replaced', async () => {
      const job = await h.readJob('hungry')
      return job.status?.lastFailure?.reason === 'WorkerOOMKilled' && (job.status.restarts ?? 0) >= 1 ? job : undefined
    })
    expect(killed.status?.lastFailure?.message).toMatch(
      /^hungry-g1-s\d-a\d+ was killed by the kernel for going over its memory limit of 40Mi \(OOMKilled, exit code 137\)\. .*raise spec\.resources\.limits\.memory/,
    )
    expect(condition(killed, 'Degraded')?.message).toContain('memory limit of 40Mi (OOMKilled')
    expect(await warningEvents(h, 'hungry')).toContainEqual(expect.stringMatching(/^WorkerOOMKilled: hungry-g1/))

    await h.patchJob('hungry', { spec: { resources: { requests: { memory: '96Mi' }, limits: { memory: '1Gi' } } } })
    await hungry.running()
    await hungry.words.feed(100)
    await hungry.words.audit()
    await h.deleteJob('hungry')
  })

  it('secured Kafka (SASL_SSL, SCRAM-SHA-512, exactly the job ACLs): a missing CA Secret, then a wrong password, each named with the fix; corrected, and rolled onto a renewed CA, the output is exact', async () => {
    const security = stack.kafka!.security
    const ca = readFileSync(security.caFile, 'utf8')
    const secret = (name: string, data: Record<string, string>) =>
      h.core.createNamespacedSecret({ namespace: h.namespace, body: { metadata: { name }, stringData: data } })
    const replaceSecret = (name: string, data: Record<string, string>) =>
      h.core.replaceNamespacedSecret({ name, namespace: h.namespace, body: { metadata: { name }, stringData: data } })
    // Shaped as Strimzi makes them: a KafkaUser Secret now, the cluster CA Secret later.
    await secret('job-d', { password: 'not-the-password' })
    const prefix = `secured-${randomUUID().slice(0, 6)}.`
    const job = await nodeJob(h, kafka, client, {
      name: 'secured',
      maxRestarts: 50,
      edit: (spec) => {
        spec.kafka.bootstrapServers = [security.saslSsl]
        spec.kafka.tls = { trustedCertificates: [{ secretName: 'secured-cluster-ca-cert', certificate: 'ca.crt' }] }
        spec.kafka.authentication = {
          type: 'scram-sha-512',
          username: 'job-d',
          passwordSecret: { secretName: 'job-d', password: 'password' },
        }
        spec.kafka.transactionalIdPrefix = prefix
        spec.restartPolicy.backoff = { initial: '1s', max: '2s' }
      },
    })
    await grantAcls(
      kafka,
      'job-d',
      jobAcls({ sourceTopics: [job.words.input], sinkTopic: job.words.output, transactionalIdPrefix: prefix }),
    )

    const waiting = await job.degraded('KafkaSecretMissing')
    expect(condition(waiting, 'Ready')).toMatchObject({ status: 'False', reason: 'KafkaSecretMissing' })
    expect(condition(waiting, 'Degraded')?.message).toContain(
      'Secret "secured-cluster-ca-cert" named by spec.kafka.tls.trustedCertificates[0] does not exist: create it',
    )
    expect(await h.jobPods('secured')).toEqual([])
    await secret('secured-cluster-ca-cert', { 'ca.crt': ca })

    const refused = await job.wait('secured: a worker failed with KafkaAuthenticationFailed', async () => {
      const j = await h.readJob('secured')
      return j.status?.lastFailure?.reason === 'KafkaAuthenticationFailed' ? j : undefined
    })
    const message = refused.status!.lastFailure!.message
    expect(message).toContain('SASL_AUTHENTICATION_FAILED')
    expect(message).toContain('check the user name and the password (or token) Secret in spec.kafka.authentication')
    // The Event is written beside the status, not before it: wait for it rather than race it.
    const events = await job.wait('secured: the KafkaAuthenticationFailed Event is listed', async () => {
      const listed = await warningEvents(h, 'secured')
      return listed.some((e) => /^KafkaAuthenticationFailed: secured-g1/.test(e)) ? listed : undefined
    })
    expect(events).toContainEqual(expect.stringMatching(/^KafkaSecretMissing: Secret "secured-cluster-ca-cert"/))
    // The pods carry Secret names and file paths, never a secret value.
    const pods = JSON.stringify(await h.jobPods('secured'))
    expect(pods).toContain('/etc/exactly-kafka/kafka-1/password')
    expect(pods).not.toContain('not-the-password')
    expect(pods).not.toContain(security.passwords['job-d'])

    await replaceSecret('job-d', { password: security.passwords['job-d'] })
    const runningJob = await job.running()
    await job.words.feed(100)

    // A renewed CA bundle (here the same CA twice: new bytes, still valid) rolls the job onto it.
    const before = runningJob.status!.current!.generation
    await replaceSecret('secured-cluster-ca-cert', { 'ca.crt': `${ca}${ca}` })
    await job.wait('secured rolled onto the renewed CA (a new generation, Running)', async () => {
      const j = await h.readJob('secured')
      return (j.status?.current?.generation ?? 0) > before && j.status?.phase === 'Running' ? j : undefined
    })
    await job.words.feed(100)
    await job.words.audit()
    await h.deleteJob('secured')
  })

  it('an image that does not exist: ImageUnavailable naming the image and spec.image; corrected, the output is exact', async () => {
    const job = await nodeJob(h, kafka, client, {
      name: 'no-image',
      edit: (spec) => {
        spec.image = 'exactly:does-not-exist'
      },
    })
    const blocked = await job.degraded('ImageUnavailable')
    const message = condition(blocked, 'Degraded')!.message
    expect(message).toMatch(/^Pod no-image-g1-s\d-a1 cannot start: (ErrImagePull|ImagePullBackOff)/)
    expect(message).toContain('exactly:does-not-exist')
    expect(message).toContain('Set spec.image to an image the nodes can pull')
    expect(condition(blocked, 'Ready')).toMatchObject({ status: 'False', reason: 'ImageUnavailable' })
    expect(blocked.status?.restarts ?? 0).toBe(0)
    expect(await warningEvents(h, 'no-image')).toContainEqual(
      expect.stringMatching(/^ImageUnavailable: Pod no-image-g1/),
    )

    await h.patchJob('no-image', { spec: { image: 'exactly:dev' } })
    expect(condition(await job.running(), 'Degraded')).toMatchObject({ status: 'False' })
    await job.words.feed(100)
    await job.words.audit()
    await h.deleteJob('no-image')
  })

  it('resources no node can hold: PodUnschedulable in the scheduler words with the fix; lowered, the output is exact', async () => {
    const job = await nodeJob(h, kafka, client, {
      name: 'too-big',
      edit: (spec) => {
        spec.resources = { requests: { cpu: '64', memory: '96Mi' }, limits: { memory: '1Gi' } }
      },
    })
    await job.degraded('PodUnschedulable')
    // The scheduler marks the two pods one after the other: wait for the condition to count both.
    const message = await job.wait('too-big Degraded naming both unschedulable pods', async () => {
      const degraded = condition(await h.readJob('too-big'), 'Degraded')
      return degraded?.message?.includes('more pod(s) of this job are blocked') ? degraded.message : undefined
    })
    expect(message).toMatch(/^Pod too-big-g1-s\d-a1 cannot start: 0\/1 nodes are available: 1 Insufficient cpu/)
    expect(message).toContain('Lower spec.resources.requests')
    expect(message).toContain('1 more pod(s) of this job are blocked too')
    expect(await warningEvents(h, 'too-big')).toContainEqual(expect.stringMatching(/^PodUnschedulable: Pod too-big-g1/))

    const lowered = { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '1Gi' } }
    await h.patchJob('too-big', { spec: { resources: lowered } })
    expect(condition(await job.running(), 'Degraded')).toMatchObject({ status: 'False' })
    await job.words.feed(100)
    await job.words.audit()
    await h.deleteJob('too-big')
  })

  it('a job.config over 200 KiB: Failed with InvalidSpec naming the field and the fix, no pod; shrunk to 150 KiB (past one environment variable, so a file), it runs over OAUTHBEARER and the output is exact', async () => {
    const job = await nodeJob(h, kafka, client, {
      name: 'huge-config',
      secured: { kind: 'oauthbearer', principal: 'huge-config-oauth' },
      edit: (spec) => {
        spec.job.config = { table: 'x'.repeat(250 * 1024) }
      },
    })
    const failed = await job.degraded('InvalidSpec')
    expect(failed.status?.phase).toBe('Failed')
    expect(condition(failed, 'Degraded')?.message).toMatch(
      /^spec\.job\.config is 251 KiB as JSON, more than the 200 KiB a pod can carry .* put its name in spec\.job\.config$/,
    )
    expect(await h.jobPods('huge-config')).toEqual([])
    expect(await warningEvents(h, 'huge-config')).toContainEqual(
      expect.stringMatching(/^InvalidSpec: spec\.job\.config/),
    )

    await h.patchJob('huge-config', { spec: { job: { config: { table: 'x'.repeat(150 * 1024) } } } })
    await job.running()
    await job.words.feed(100)
    await job.words.audit()
  })
})
