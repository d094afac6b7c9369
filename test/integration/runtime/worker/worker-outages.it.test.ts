/**
 * Outages of the real components while a worker runs: S3 unreachable for a while (checkpoints
 * fail and retry, processing goes on, the failure shows in /status and /metrics, nothing is lost
 * once S3 is back), S3 unreachable past `checkpoint.timeout` (the slot fails with a clear reason
 * and its replacement loses nothing), and a Kafka broker restart mid-run. The S3 server stays up
 * behind a TCP proxy that the test cuts; the broker is a second one this test owns and restarts.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KafkajsClient } from '../../../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { type Stack, startStack } from '../../../../stack/stack.ts'
import { kafkaFor } from '../../../../stack/topics.ts'
import { TcpProxy } from '../../helpers/tcp-proxy.ts'
import { useScenarioContext, WordCountScenario } from '../../helpers/word-count-scenario.ts'
import { type WorkerProcess, waitForExit, waitUntil } from '../../helpers/worker-process.ts'

const shared = useScenarioContext()
const { stack } = shared
const s3 = stack.s3

interface Status {
  phase: string
  recordsIn: number
  checkpointFailures: number
  consecutiveCheckpointFailures: number
  lastCheckpointError?: string
  lastCheckpoint?: { id: number }
  failure?: { reason: string; message: string }
  alarms: Array<{ reason: string; message: string }>
}
const statusOf = async (worker: WorkerProcess) => (await worker.status()) as unknown as Status

async function metric(worker: WorkerProcess, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
  return Number(line?.split(' ').at(-1) ?? Number.NaN)
}

// Side by side: each case has its own proxy, topics and worker.
describe.concurrent('exactly worker during outages', () => {
  it('keeps processing while S3 is unreachable, reports it, and loses nothing once S3 is back', async () => {
    const proxy = await TcpProxy.start(s3.endpoint)
    const ctx = { ...shared, stack: { ...stack, s3: { ...s3, endpoint: proxy.address(s3.endpoint) } } }
    const run = await WordCountScenario.create(ctx, 's3-outage', { inputRecords: 3000 })
    run.feed()
    const worker = await run.start(0, 1)
    await waitUntil(
      async () => ((await statusOf(worker)).lastCheckpoint?.id ?? 0) >= 1,
      30_000,
      () => worker.tail(),
    )

    await proxy.cut()
    await waitUntil(
      async () => (await statusOf(worker)).consecutiveCheckpointFailures > 0,
      15_000,
      () => `no checkpoint failure was reported while S3 was cut; the log ends:\n${worker.tail()}`,
    )
    const during = await statusOf(worker)
    expect(during.phase).toBe('Running')
    expect(during.lastCheckpointError).toBeTruthy()
    expect(await metric(worker, 'exactly_checkpoint_failures_total')).toBeGreaterThan(0)
    await sleep(1500)
    expect((await statusOf(worker)).recordsIn, 'processing must go on while S3 is away').toBeGreaterThan(
      during.recordsIn,
    )

    await proxy.restore()
    await waitUntil(
      async () => (await statusOf(worker)).consecutiveCheckpointFailures === 0,
      30_000,
      () => `checkpoints did not recover after S3 came back; the log ends:\n${worker.tail()}`,
    )
    await run.runToEnd([worker])
    await run.verify()
    await proxy.close()
  })

  it("another producer's transaction held open on the sink past the timeout is raised with its close command, and cleared once closed", async () => {
    const run = await WordCountScenario.create(shared, 'hanging', {
      hangingTransactions: { checkIntervalMs: 500, afterMs: 2000 },
    })
    run.feed()
    const worker = await run.start(0, 1)
    // Another application's transaction on the job's sink, left open (its timeout is 2 minutes).
    const foreign = shared.kafka.producer({
      transactionalId: `foreign-${run.job.uid}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 120_000,
    })
    await foreign.connect()
    const txn = await foreign.transaction()
    await txn.send({ topic: run.job.sinkTopic, messages: [{ key: 'x', value: 'held', partition: 1 }] })
    const hanging = () => statusOf(worker).then((s) => s.alarms.find((a) => a.reason === 'HangingTransaction')?.message)
    let message = ''
    await waitUntil(
      async () => {
        message = (await hanging()) ?? ''
        return message !== ''
      },
      20_000,
      () => `no HangingTransaction alarm; the log ends:\n${worker.tail()}`,
    )
    expect(message).toMatch(
      new RegExp(`^Partition ${run.job.sinkTopic}/1 has been held open .* by producer \\d+ \\(epoch \\d+\\)`),
    )
    expect(message).toMatch(
      new RegExp(
        `kafka-transactions\\.sh --bootstrap-server \\S+ abort --topic ${run.job.sinkTopic} --partition 1 --start-offset \\d+$`,
      ),
    )
    expect((await statusOf(worker)).phase, 'the job goes on meanwhile').toBe('Running')
    await txn.abort()
    await foreign.disconnect()
    await waitUntil(
      async () => (await hanging()) === undefined,
      20_000,
      () => `the alarm stayed after the transaction was aborted; the log ends:\n${worker.tail()}`,
    )
    await run.runToEnd([worker])
    await run.verify()
  })

  it('fails the slot with CheckpointTimeout when S3 stays away past checkpoint.timeout; the next attempt loses nothing', async () => {
    const proxy = await TcpProxy.start(s3.endpoint)
    const ctx = { ...shared, stack: { ...stack, s3: { ...s3, endpoint: proxy.address(s3.endpoint) } } }
    const run = await WordCountScenario.create(ctx, 's3-timeout', { timeoutMs: 2500 })
    run.feed()
    const first = await run.start(0, 1)
    await waitUntil(
      async () => ((await statusOf(first)).lastCheckpoint?.id ?? 0) >= 1,
      30_000,
      () => first.tail(),
    )
    await proxy.cut()
    const exit = await waitForExit(first, 30_000)
    expect(exit.code, first.tail()).toBe(1)
    expect(first.tail(3)).toMatch(/did not finish within checkpoint\.timeout/)
    await proxy.restore()
    await run.runToEnd([await run.start(0, 2)])
    await run.verify()
    await proxy.close()
  })
})

describe('exactly worker during outages, with a broker of its own', () => {
  let own: Stack
  beforeAll(async () => {
    own = await startStack({ dir: mkdtempSync(join(tmpdir(), 'exactly-own-kafka-')), kafka: true })
  }, 120_000)
  afterAll(() => own?.stop())

  it('rides out a broker restart in the same worker process (or, past its Kafka deadline, fails loudly once and one replacement finishes); the output stays exact', async () => {
    const bootstrap = own.info.kafka!.bootstrap
    const client = new KafkajsClient({ brokers: [bootstrap] })
    await client.connect()
    const ctx = { stack: { ...stack, kafka: own.info.kafka! }, kafka: kafkaFor(bootstrap), client }
    try {
      const run = await WordCountScenario.create(ctx, 'broker-restart', { inputRecords: 3000 })
      run.feed(200)
      const worker = await run.start(0, 1)
      await waitUntil(
        async () => ((await statusOf(worker)).lastCheckpoint?.id ?? 0) >= 2,
        30_000,
        () => worker.tail(),
      )
      const restartStarted = Date.now()
      await own.restartKafka()
      const outageMs = Date.now() - restartStarted
      // A worker rides out an outage shorter than its Kafka deadline (the fetch's request
      // timeout, 30 s). On a loaded machine the broker's clean stop alone can take longer: then
      // the worker must fail loudly (exit 1: KafkaUnavailable, or CheckpointTimeout when a
      // checkpoint was in flight), and exactly one replacement (what the operator would start)
      // must run to the end and make the output exact. A worker that dies in any other way, or
      // after the broker is back, fails the test (runToEnd cannot reach it or stop it cleanly).
      const early = await Promise.race([worker.exited, sleep(1000).then(() => undefined)])
      if (early) {
        process.stderr.write(`broker restart took ${outageMs} ms: the first attempt failed, as its deadline allows\n`)
        expect(early, `the first attempt must fail loudly; its log ends:\n${worker.tail()}`).toEqual({
          code: 1,
          signal: null,
        })
        expect(worker.tail(3), 'only the Kafka outage may end the first attempt').toMatch(
          /KafkaUnavailable|CheckpointTimeout/,
        )
        expect(outageMs, `the worker died although the broker was back after ${outageMs} ms`).toBeGreaterThan(25_000)
        await run.runToEnd([await run.start(0, 2)])
      } else {
        // The same process (attempt 1) answers /status through the end and stops cleanly on request.
        await run.runToEnd([worker])
        expect((await worker.exited).code, 'attempt 1 rode out the restart and stopped on request').toBe(0)
      }
      await run.verify()
    } finally {
      await client.close()
    }
  })
})
