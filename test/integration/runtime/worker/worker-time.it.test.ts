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
import { createTopic } from '../../../../stack/topics.ts'
import { readCommitted } from '../../helpers/committed-reader.ts'
import { produceSlowly } from '../../helpers/kafka.ts'
import { useScenarioContext, WordCountScenario } from '../../helpers/word-count-scenario.ts'
import { type JobSpec, runRecover, startWorker, waitForExit, waitUntil } from '../../helpers/worker-process.ts'

const ctx = useScenarioContext()
const VIEWS = generatePageViews(3600, { seed: 11, users: 40 })
/** One attempt per step, each killed at its first checkpoint (or its restore) while views arrive and windows fire. */
const STEPS = [
  'before-precommit',
  'after-precommit',
  'after-snapshots',
  'after-manifest',
  'before-commit',
  'after-commit',
  'during-restore',
]

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
      for (const step of STEPS) await run.crashAt(0, attempt++, step)
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
})

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
