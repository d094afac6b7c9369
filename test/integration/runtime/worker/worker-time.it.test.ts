/**
 * Time under SIGKILL, end to end: the windowed examples run in real `exactly worker` processes on
 * the real broker and S3 server while page views keep arriving (out of order, some late). Workers
 * are killed at every protocol step while windows fire, restored with their pending timers and
 * watermarks, killed once more with windows open, then the job changes layout (1 → 2 slots, so each task's pending timers move to
 * another worker) and runs to the end. The read_committed output must equal the independent
 * model record by record: every window result once, none lost, none doubled.
 */
import { describe, expect, it } from 'vitest'
import { expectedPageViews } from '../../../../examples/page-views/expected.ts'
import { generatePageViews } from '../../../../examples/page-views/generate.ts'
import { expectedSessions } from '../../../../examples/user-sessions/expected.ts'
import { useScenarioContext, WordCountScenario } from '../../helpers/word-count-scenario.ts'
import { runRecover, waitForExit, waitUntil } from '../../helpers/worker-process.ts'

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
})
