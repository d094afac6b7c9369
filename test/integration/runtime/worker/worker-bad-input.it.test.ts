/**
 * Bad input loses nothing and says what to fix: a record the job refuses follows
 * `job.onError` (`fail` stops the slot naming the record; `dead-letter` sends it, with the error,
 * to the dead-letter topic in the same transaction), and a corrupt snapshot at the head stops the
 * slot with the reason instead of silently restoring an older checkpoint.
 */
import { describe, expect, it } from 'vitest'
import { readToEnd } from '../../../../runtime/kafka/read-to-end.ts'
import { S3ObjectStore } from '../../../../runtime/storage/s3.ts'
import { createTopic } from '../../../../stack/topics.ts'
import { useScenarioContext, WordCountScenario } from '../../helpers/word-count-scenario.ts'
import { waitForExit, waitUntil } from '../../helpers/worker-process.ts'

const ctx = useScenarioContext()
const { stack } = ctx
const s3 = stack.s3

const EXIT_FAILED = 1
const EXIT_NEEDS_A_PERSON = 2

// Side by side: each case has its own topics, storage and worker, and mostly waits for them.
describe.concurrent('exactly worker and bad input', () => {
  it('onError fail: the slot stops at the bad record and names it and the fix', async () => {
    const run = await WordCountScenario.create(ctx, 'bad-fail', { inputRecords: 300, badEvery: 200 })
    run.feed(10)
    const worker = await run.start(0, 1)
    const exit = await waitForExit(worker, 60_000)
    expect(exit.code, worker.tail()).toBe(EXIT_FAILED)
    const log = worker.tail(3)
    expect(log).toMatch(/Cannot process record bad-fail-in-\w+\/\d+@\d+: empty word/)
    expect(log).toContain('set spec.job.onError to dead-letter')
    expect(log).toContain('"reason":"RecordFailed"')
  })

  it('without Read on its sink (DescribeProducers), recovery skips the hanging-transaction check, says which ACL, and the output stays exact', async () => {
    const run = await WordCountScenario.create(ctx, 'no-describe', {
      inputRecords: 600,
      secured: {
        kind: 'scram-sha-512',
        principal: 'job-c',
        withhold: (acl) =>
          acl.operation === 'Read' && acl.resource.type === 'topic' && acl.resource.name.startsWith('no-describe-out'),
      },
    })
    run.feed(40)
    const worker = await run.start(0, 1)
    type Alarm = { reason: string; message: string }
    const alarms = async () => ((await worker.status()).alarms ?? []) as Alarm[]
    await waitUntil(
      async () => (await alarms()).length > 0,
      30_000,
      () => worker.tail(),
    )
    const alarm = (await alarms())[0]!
    expect(alarm.reason).toBe('HangingTransactionsUnchecked')
    expect(alarm.message).toContain(`Read on topic "${run.job.sinkTopic}"`)
    expect(alarm.message).toContain(`--allow-principal User:job-c --operation Read --topic ${run.job.sinkTopic}`)
    await run.runToEnd([worker])
    await run.verify()
  })

  it('onError dead-letter: bad records land in the dead-letter topic with the error; the rest stays exact', async () => {
    const dlq = await createTopic(ctx.kafka, 'bad-dlq', 1)
    const run = await WordCountScenario.create(ctx, 'bad-dead-letter', {
      inputRecords: 1200,
      badEvery: 100,
      onError: { kind: 'dead-letter', topic: dlq },
    })
    run.feed()
    const worker = await run.start(0, 1)
    await run.runToEnd([worker])
    await run.verify()
    const dead = await readToEnd(ctx.client, dlq)
    expect(dead.records).toHaveLength(12)
    expect(dead.openTransactions).toEqual([])
    const first = dead.records[0]!
    expect(first.value?.toString()).toBe(' ')
    expect(first.headers['exactly.error.message']?.toString()).toMatch(/empty word/)
    expect(first.headers['exactly.source.topic']?.toString()).toBe(run.job.sourceTopics[0])
    expect(first.headers['exactly.source.offset']).toBeDefined()
  })

  it('a corrupt snapshot at the head stops the slot with CheckpointCorrupt; nothing older is restored', async () => {
    const run = await WordCountScenario.create(ctx, 'corrupt-head', { inputRecords: 300 })
    run.feed(10)
    const first = await run.start(0, 1)
    await run.runToEnd([first])
    const store = new S3ObjectStore({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    })
    const head = JSON.parse(
      (await store.get(`${run.job.prefix}/test/${run.job.name}/g1/s0/head.json`))!.body.toString(),
    )
    const dir = `${run.job.prefix}/test/${run.job.name}/g1/s0/chk-${String(head.checkpointId).padStart(10, '0')}-a${head.checkpointAttempt}/`
    const snapshot = (await store.list(dir)).find((k) => k.endsWith('.snap'))!
    const bytes = (await store.get(snapshot))!.body
    bytes[bytes.length - 2] = (bytes[bytes.length - 2] ?? 0) ^ 0xff
    await store.put(snapshot, bytes)

    const second = await run.start(0, 2)
    const exit = await waitForExit(second, 60_000)
    expect(exit.code, second.tail()).toBe(EXIT_NEEDS_A_PERSON)
    const log = second.tail(3)
    expect(log).toContain('"reason":"CheckpointCorrupt"')
    expect(log).toContain(snapshot)
    expect(log).toMatch(/checksum/)
  })
})
