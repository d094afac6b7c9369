/**
 * Bad input only a real scheduler and kubelet reveal: a StreamJob whose image does not exist, and
 * one whose resources no node can hold. Each shows Ready=False and Degraded=True naming the cause
 * in the kubelet's or the scheduler's words with the fix, and a Warning Event (not an endless
 * "Starting"); corrected, each runs, and its output is audited record by record: nothing lost.
 * And spec.job.config: past what one environment variable holds it reaches the workers as a file;
 * past what a pod can carry the job fails before any pod exists, saying so.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { StreamJob } from '../../../operator/api/streamjob-types.ts'
import { KafkajsClient } from '../../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { createTopic, kafkaFor } from '../../../stack/topics.ts'
import { OperatorHarness } from '../helpers/operator-harness.ts'
import { WordCountTopics, wordCountJob } from './word-count-job.ts'

const stack = inject('stack')
if (!stack.kafka || !stack.s3 || !stack.kube) throw new Error('The integration stack lacks Kafka, S3 or Kubernetes')
const h = new OperatorHarness(stack, 'blocked')
const kafka = kafkaFor(stack.kafka.bootstrap)
const client = new KafkajsClient({ brokers: [stack.kafka.bootstrap] })
const condition = (job: StreamJob, type: string) => job.status?.conditions?.find((c) => c.type === type)

beforeAll(async () => {
  await h.install()
  await client.connect()
}, 180_000)

afterAll(async () => {
  await client.close()
  const problems = await h.cleanup(['no-image', 'too-big', 'big-config', 'huge-config'])
  if (problems.length > 0) process.stderr.write(`cleanup: ${problems.join('\n')}\n`)
})

/** A word-count job on fresh topics with `edit` applied, fed 200 words before it is created. */
async function blockedJob(name: string, edit: (spec: Record<string, unknown>) => void) {
  const topics = {
    input: await createTopic(kafka, `${name}-in`, 2),
    output: await createTopic(kafka, `${name}-out`, 2),
  }
  const wait = <T>(what: string, check: () => Promise<T | undefined>) => h.waitFor(what, name, check, 90_000)
  const words = new WordCountTopics(kafka, stack.kafka!.bootstrap, client, topics, wait)
  await words.feed(200)
  const manifest = wordCountJob(h, name, topics.input, topics.output, 3)
  edit(manifest.spec as unknown as Record<string, unknown>)
  await h.createJob(manifest)
  const degraded = (reason: string) =>
    wait(`${name} is Degraded with ${reason}`, async () => {
      const job = await h.readJob(name)
      return condition(job, 'Degraded')?.reason === reason ? job : undefined
    })
  const running = () =>
    wait(`${name} is Running`, async () => {
      const job = await h.readJob(name)
      return job.status?.phase === 'Running' ? job : undefined
    })
  return { words, degraded, running }
}

async function warningEvents(job: string): Promise<string[]> {
  const events = await h.core.listNamespacedEvent({
    namespace: h.namespace,
    fieldSelector: `involvedObject.name=${job}`,
  })
  return events.items.filter((e) => e.type === 'Warning').map((e) => `${e.reason}: ${e.message}`)
}

describe('pods that cannot start', () => {
  it('an image that does not exist: ImageUnavailable naming the image and spec.image; corrected, the output is exact', async () => {
    const { words, degraded, running } = await blockedJob('no-image', (spec) => {
      spec.image = 'exactly:does-not-exist'
    })
    const job = await degraded('ImageUnavailable')
    const message = condition(job, 'Degraded')!.message
    expect(message).toMatch(/^Pod no-image-g1-s\d-a1 cannot start: (ErrImagePull|ImagePullBackOff)/)
    expect(message).toContain('exactly:does-not-exist')
    expect(message).toContain('Set spec.image to an image the nodes can pull')
    expect(condition(job, 'Ready')).toMatchObject({ status: 'False', reason: 'ImageUnavailable' })
    expect(job.status?.restarts ?? 0).toBe(0)
    expect(await warningEvents('no-image')).toContainEqual(expect.stringMatching(/^ImageUnavailable: Pod no-image-g1/))

    await h.patchJob('no-image', { spec: { image: 'exactly:dev' } })
    const fixed = await running()
    expect(condition(fixed, 'Degraded')).toMatchObject({ status: 'False' })
    await words.feed(100)
    await words.audit()
  })

  it('resources no node can hold: PodUnschedulable in the scheduler words with the fix; lowered, the output is exact', async () => {
    const { words, degraded, running } = await blockedJob('too-big', (spec) => {
      spec.resources = { requests: { cpu: '64', memory: '96Mi' }, limits: { memory: '1Gi' } }
    })
    const job = await degraded('PodUnschedulable')
    const message = condition(job, 'Degraded')!.message
    expect(message).toMatch(/^Pod too-big-g1-s\d-a1 cannot start: 0\/1 nodes are available: 1 Insufficient cpu/)
    expect(message).toContain('Lower spec.resources.requests')
    expect(message).toContain('1 more pod(s) of this job are blocked too')
    expect(await warningEvents('too-big')).toContainEqual(expect.stringMatching(/^PodUnschedulable: Pod too-big-g1/))

    await h.patchJob('too-big', {
      spec: { resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '1Gi' } } },
    })
    const fixed = await running()
    expect(condition(fixed, 'Degraded')).toMatchObject({ status: 'False' })
    await words.feed(100)
    await words.audit()
  })

  it('a job.config of 150 KiB, more than one environment variable can hold, reaches the workers as a file', async () => {
    const { words, running } = await blockedJob('big-config', (spec) => {
      ;(spec.job as { config?: unknown }).config = { table: 'x'.repeat(150 * 1024) }
    })
    await running()
    await words.feed(100)
    await words.audit()
  })

  it('a job.config over 200 KiB: Failed with InvalidSpec naming the field and the fix, no pod; shrunk, the output is exact', async () => {
    const { words, degraded, running } = await blockedJob('huge-config', (spec) => {
      ;(spec.job as { config?: unknown }).config = { table: 'x'.repeat(250 * 1024) }
    })
    const job = await degraded('InvalidSpec')
    expect(job.status?.phase).toBe('Failed')
    expect(condition(job, 'Degraded')?.message).toMatch(
      /^spec\.job\.config is 251 KiB as JSON, more than the 200 KiB a pod can carry .* put its name in spec\.job\.config$/,
    )
    expect(await h.jobPods('huge-config')).toEqual([])
    expect(await warningEvents('huge-config')).toContainEqual(expect.stringMatching(/^InvalidSpec: spec\.job\.config/))

    await h.patchJob('huge-config', { spec: { job: { config: { table: 'in object storage' } } } })
    await running()
    await words.feed(100)
    await words.audit()
  })
})
