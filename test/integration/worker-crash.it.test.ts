/**
 * Exactly-once under crashes, end to end: the word-count job runs in real `exactly worker`
 * processes against the real broker and S3 server while input keeps arriving; a failpoint kills
 * the worker with SIGKILL at one step of the checkpoint or recovery protocol (DESIGN sections
 * 4–5), the next attempt restores from the slot's head, and at the end the read_committed output
 * is compared with the expected output record by record: no duplicate, no loss, and no
 * transaction left open on the sink.
 */
import { describe, it } from 'vitest'
import { useScenarioContext, WordCountScenario } from './helpers/word-count-scenario.ts'

const ctx = useScenarioContext()

/**
 * Each scenario lists the failpoints of the attempts that crash, in order; one more attempt then
 * runs to the end. `step@2` crashes at checkpoint 2, so checkpoint 1 is complete and the crash
 * has a head to recover from and a transaction in flight.
 */
const SCENARIOS: Array<{ name: string; crashes: string[] }> = [
  { name: 'before pre-commit', crashes: ['before-precommit@2'] },
  { name: 'after pre-commit, before the snapshots', crashes: ['after-precommit@2'] },
  { name: 'after the snapshot upload, before the manifest', crashes: ['after-snapshots@2'] },
  { name: 'after the manifest, before the head moved', crashes: ['after-manifest@2'] },
  { name: 'after the head moved, before the commit', crashes: ['before-commit@2'] },
  { name: 'after the commit', crashes: ['after-commit@2'] },
  { name: 'during restore', crashes: ['before-commit@2', 'during-restore'] },
  { name: 'during a second restore', crashes: ['before-commit@2', 'during-restore', 'during-restore'] },
]

describe('exactly worker under SIGKILL at each protocol step', () => {
  for (const scenario of SCENARIOS) {
    it(`a worker killed ${scenario.name} is replaced and the output stays exact`, async () => {
      const run = await WordCountScenario.create(ctx, `crash-${scenario.crashes[0]!.replace(/@.*/, '')}`)
      run.feed()
      let attempt = 1
      for (const failpoint of scenario.crashes) await run.crashAt(0, attempt++, failpoint)
      await run.runToEnd([await run.start(0, attempt)])
      await run.verify()
    })
  }

  it('two slots run side by side; killing one restarts only that slot and the output stays exact', async () => {
    const run = await WordCountScenario.create(ctx, 'crash-two-slots', { parallelism: 2 })
    run.feed()
    const slot0 = await run.start(0, 1)
    await run.crashAt(1, 1, 'before-commit@3')
    const slot1 = await run.start(1, 2)
    await run.runToEnd([slot0, slot1])
    await run.verify()
  })
})
