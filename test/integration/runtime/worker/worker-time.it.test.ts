/**
 * Time under SIGKILL, end to end: the windowed examples run in real `exactly worker` processes on
 * the real broker and S3 server while page views keep arriving (out of order, some late). Workers
 * are killed at every protocol step while windows fire, restored with their pending timers and
 * watermarks, killed once more with windows open, then the job changes layout (1 → 2 slots, so each task's pending timers move to
 * another worker) and runs to the end. The read_committed output must equal the independent
 * model record by record: every window result once, none lost, none doubled.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { expectedPageViews } from '../../../../examples/page-views/expected.ts'
import { generatePageViews } from '../../../../examples/page-views/generate.ts'
import { expectedSessions } from '../../../../examples/user-sessions/expected.ts'
import { FAILPOINTS } from '../../../../runtime/checkpoint/failpoint.ts'
import { createTopic } from '../../../../stack/topics.ts'
import { readCommitted } from '../../helpers/committed-reader.ts'
import { produceSlowly } from '../../helpers/kafka.ts'
import { useScenarioContext, WordCountScenario } from '../../helpers/word-count-scenario.ts'
import { type JobSpec, runRecover, startWorker, waitForExit, waitUntil } from '../../helpers/worker-process.ts'

const ctx = useScenarioContext()
const VIEWS = generatePageViews(3600, { seed: 11, users: 40 })

const EXAMPLES = [
  { name: 'page-views', module: 'examples/page-views/job.ts', model: expectedPageViews },
  { name: 'user-sessions', module: 'examples/user-sessions/job.ts', model: expectedSessions },
]

// Side by side: each example has its own topics, storage and workers.
describe.concurrent('windowed jobs under SIGKILL and a rescale with pending timers', () => {
  for (const example of EXAMPLES) {
    it(`${example.name}: killed at each step, restored, rescaled 1 → 2; the output equals the model`, async () => {
      const run = await WordCountScenario.create(ctx, `time-${example.name}`, {
        module: example.module,
        inputRecords: VIEWS.length,
        input: (i) => ({ key: VIEWS[i]!.key, value: VIEWS[i]!.value }),
      })
      run.feed(100)
      let attempt = 1
      // One attempt per protocol step, each killed at its first checkpoint (or its restore) while views arrive and windows fire.
      for (const step of FAILPOINTS) await run.crashAt(0, attempt++, step)
      const survivor = await run.start(0, attempt)
      await waitUntil(
        async () => ((await survivor.status()) as { lastCheckpoint?: { id: number } }).lastCheckpoint !== undefined,
        60_000,
        () => `attempt ${attempt} did not checkpoint; its log ends:\n${survivor.tail()}`,
      )
      // Killed with windows open and timers pending; recovery commits its head and closes generation 1.
      survivor.signal('SIGKILL')
      await waitForExit(survivor, 30_000)
      const recovered = await runRecover(ctx.stack, run.job, { generation: 1, parallelism: 1, nextGeneration: 2 })
      expect(recovered.code, recovered.stderr).toBe(0)
      const generation2 = await Promise.all(
        [0, 1].map((slot) => run.start(slot, 1, undefined, { generation: 2, parallelism: 2 })),
      )
      await run.runToEnd(generation2)
      await run.verify((input) => example.model(input))
    })
  }

  it('an idle source partition stops holding the watermark back: windows over two topics close while one stays empty', async () => {
    const [clicks, quiet, output] = await Promise.all([
      createTopic(ctx.kafka, 'idle-clicks', 2),
      createTopic(ctx.kafka, 'idle-quiet', 2),
      createTopic(ctx.kafka, 'idle-out', 2),
    ])
    const job: JobSpec = {
      name: 'idle-windows',
      uid: randomUUID(),
      module: 'test/fixtures/idle-windows-job.ts',
      sourceTopics: [clicks, quiet],
      sinkTopic: output,
      parallelism: 1,
      prefix: `worker-tests/${randomUUID().slice(0, 8)}`,
    }
    const worker = await startWorker(ctx.stack, job, 0, { attempt: 1 })
    // Record i at event time 10·i ms, in order per partition; `quiet` never gets a record.
    await produceSlowly(ctx.kafka, clicks, 600, (i) => ({ key: `k${i % 5}`, value: String(i * 10) }), {
      batch: 100,
      pauseMs: 100,
    })
    await waitUntil(
      async () => (await worker.status()).lag === 0,
      30_000,
      () => `the worker did not catch up; its log ends:\n${worker.tail()}`,
    )
    // Past the idle timeout, then a checkpoint: what fired is committed.
    await sleep(2500)
    worker.signal('SIGTERM')
    expect((await waitForExit(worker, 30_000)).code).toBe(0)
    const input = await readCommitted(ctx.stack.kafka.bootstrap, clicks)
    const actual = await readCommitted(ctx.stack.kafka.bootstrap, output)
    const expected = closedWindows(input)
    expect(expected.length, 'windows the input closes').toBeGreaterThan(20)
    expect(actual.map((r) => `${r.partition}/${r.key}=${r.value}`).sort()).toEqual(expected.sort())
  })

  for (const policy of ['side-topic', 'dead-letter'] as const) {
    it(`late records under the ${policy} policy land there, once each, and the windows count only the on-time ones`, async () => {
      const [input, output, late] = await Promise.all([
        createTopic(ctx.kafka, `late-${policy}-in`, 2),
        createTopic(ctx.kafka, `late-${policy}-out`, 2),
        createTopic(ctx.kafka, `late-${policy}-late`, 2),
      ])
      const job: JobSpec = {
        name: `late-${policy}`,
        uid: randomUUID(),
        module: 'test/fixtures/late-windows-job.ts',
        sourceTopics: [input],
        sinkTopic: output,
        parallelism: 1,
        prefix: `worker-tests/${randomUUID().slice(0, 8)}`,
        ...(policy === 'dead-letter' ? { onError: { kind: 'dead-letter' as const, topic: late } } : {}),
      }
      const env = policy === 'dead-letter' ? { LATE_POLICY: 'dead-letter' } : { LATE_TOPIC: late }
      const worker = await startWorker(ctx.stack, job, 0, { attempt: 1, env })
      // Event time 10·i ms; every 25th record 3 s behind: late once its window has closed.
      await produceSlowly(
        ctx.kafka,
        input,
        600,
        (i) => ({ key: `k${i % 5}`, value: String(i % 25 === 24 ? i * 10 - 3000 : i * 10) }),
        { batch: 100, pauseMs: 100 },
      )
      await waitUntil(
        async () => (await worker.status()).lag === 0,
        30_000,
        () => `the worker did not catch up; its log ends:\n${worker.tail()}`,
      )
      worker.signal('SIGTERM')
      expect((await waitForExit(worker, 30_000)).code).toBe(0)
      const want = lateAndClosed(await readCommitted(ctx.stack.kafka.bootstrap, input))
      expect(want.late.length, 'late records in the input').toBeGreaterThan(10)
      const windows = await readCommitted(ctx.stack.kafka.bootstrap, output)
      expect(windows.map((r) => `${r.partition}/${r.key}=${r.value}`).sort()).toEqual(want.windows.sort())
      const sent = await readCommitted(ctx.stack.kafka.bootstrap, late)
      // As they came: the source partition's key and value (the side topic keys them the same way).
      expect(sent.map((r) => `${r.partition}/${r.key}=${r.value}`).sort()).toEqual(want.late.sort())
    })
  }
})

/**
 * Per partition, in offset order, with no lateness allowed: which records are late (their
 * one-second window's last millisecond at or below the watermark, largest event time so far - 1),
 * and the counts of the windows that close, from the on-time records only.
 */
function lateAndClosed(input: ReadonlyArray<{ partition: number; key: string | null; value: string | null }>) {
  const late: string[] = []
  const windows: string[] = []
  for (const partition of new Set(input.map((r) => r.partition))) {
    let watermark = Number.NEGATIVE_INFINITY
    const counts = new Map<string, number>()
    for (const r of input.filter((x) => x.partition === partition)) {
      const time = Number(r.value)
      const start = Math.floor(time / 1000) * 1000
      if (start + 999 <= watermark) late.push(`${partition}/${r.key}=${r.value}`)
      else counts.set(`${r.key}=${start}`, (counts.get(`${r.key}=${start}`) ?? 0) + 1)
      watermark = Math.max(watermark, time - 1)
    }
    for (const [id, n] of counts) {
      const start = Number(id.slice(id.indexOf('=') + 1))
      if (start + 999 <= watermark) windows.push(`${partition}/${id}:${n}`)
    }
  }
  return { late, windows }
}

/** Per partition: the (key, window) counts of one-second windows the partition's largest event time closes. */
function closedWindows(
  input: ReadonlyArray<{ partition: number; key: string | null; value: string | null }>,
): string[] {
  const out: string[] = []
  for (const partition of new Set(input.map((r) => r.partition))) {
    const records = input.filter((r) => r.partition === partition)
    const max = Math.max(...records.map((r) => Number(r.value)))
    const counts = new Map<string, number>()
    for (const r of records) {
      const start = Math.floor(Number(r.value) / 1000) * 1000
      if (start + 1000 > max) continue
      const id = `${r.key}=${start}`
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    for (const [id, n] of counts) out.push(`${partition}/${id}:${n}`)
  }
  return out
}
