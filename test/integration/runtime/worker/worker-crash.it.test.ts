/**
 * Exactly-once under crashes, end to end: the word-count job runs in real `exactly worker`
 * processes against the real broker and S3 server while input keeps arriving; a failpoint kills
 * the worker with SIGKILL at one step of the checkpoint or recovery protocol (DESIGN sections
 * 4–5), the next attempt restores from the slot's head, and at the end the read_committed output
 * is compared with the expected output record by record: no duplicate, no loss, and no
 * transaction left open on the sink.
 *
 * The protocol-step scenarios run on the secured listener (SASL_SSL, SCRAM-SHA-512) as a
 * principal holding exactly the job's ACLs (runtime/kafka/job-acls.ts): recovery's commits,
 * fencing and DescribeProducers all work within that set.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { useScenarioContext, WordCountScenario } from '../../helpers/word-count-scenario.ts'

const ctx = useScenarioContext()
const SCRAM = { kind: 'scram-sha-512', principal: 'job-a' } as const

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

// Side by side: each scenario has its own topics, storage and worker, and reaches its step on its own.
describe.concurrent('exactly worker under SIGKILL at each protocol step, over SASL_SSL with least-privilege ACLs', () => {
  for (const [index, scenario] of SCENARIOS.entries()) {
    it(`a worker killed ${scenario.name} is replaced and the output stays exact`, async () => {
      // A name per scenario: side by side, the workers' log files (named after the job) must not collide.
      const run = await WordCountScenario.create(ctx, `crash-${index}-${scenario.crashes.at(-1)!.replace(/@.*/, '')}`, {
        secured: SCRAM,
      })
      // 60 records every 80 ms: the input still arrives when the step is reached (checkpoint 2).
      run.feed(80)
      let attempt = 1
      for (const failpoint of scenario.crashes) await run.crashAt(0, attempt++, failpoint)
      await run.runToEnd([await run.start(0, attempt)])
      await run.verify()
    })
  }
})

// One at a time: how far the chains have grown by checkpoint 5 or 7 depends on the feed keeping pace.
describe('exactly worker under SIGKILL with incremental checkpoints, and with two slots', () => {
  it('a worker killed with its state in a chain of deltas restores the chain and the output stays exact', async () => {
    // Deltas never outweigh the snapshot here, so every checkpoint after the first is a delta.
    const incremental = { maxDeltas: 64, maxDeltaRatio: 1000 }
    const run = await WordCountScenario.create(ctx, 'crash-chain', { incremental })
    run.feed()
    await run.crashAt(0, 1, 'before-commit@5')
    const worker = await run.start(0, 2)
    await run.runToEnd([worker])
    // Checkpoint 5 was the head (the kill came after the head moved): each task's chain is its
    // snapshot of checkpoint 1 and a delta per later checkpoint in which its words changed.
    const { deltas } = restoreLine(worker.logFile)
    expect(deltas).toBeDefined()
    for (const count of Object.values(deltas!)) expect(count).toBeGreaterThanOrEqual(2)
    await run.verify()
  })

  it('a worker killed after its chains were rebased (no snapshot left) restores them and the output stays exact', async () => {
    // Two deltas per chain, then a rebase: from checkpoint 4 on, a chain starts from empty state.
    const run = await WordCountScenario.create(ctx, 'crash-rebased', {
      incremental: { maxDeltas: 2, maxDeltaRatio: 1000 },
    })
    run.feed()
    await run.crashAt(0, 1, 'before-commit@7')
    const worker = await run.start(0, 2)
    await run.runToEnd([worker])
    expect(
      restoreLine(worker.logFile).fromEmpty?.length,
      'tasks restored from a chain without a snapshot',
    ).toBeGreaterThan(0)
    await run.verify()
  })

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

/** What the worker's "slot restored" log line says about the chains it restored. */
function restoreLine(logFile: string): { deltas?: Record<string, number>; fromEmpty?: number[] } {
  const line = readFileSync(logFile, 'utf8')
    .split('\n')
    .find((l) => l.includes('slot restored and running'))
  if (!line) throw new Error(`no "slot restored and running" line in ${logFile}`)
  return JSON.parse(line)
}
