/**
 * Zombies (DESIGN section 6): a worker that looks dead but still runs must never complete a
 * checkpoint or get a write committed after its replacement took over. The old worker is frozen
 * with SIGSTOP (by the test, or by itself at an exact protocol step), its replacement (attempt + 1)
 * claims the slot and checkpoints, then the old one is woken with SIGCONT. It must exit because it
 * was fenced (superseded, exit 3, or its producer fenced by Kafka, exit 1 with ProducerFenced),
 * the transactions it had open at the freeze must end aborted (none of their records in the
 * read_committed output) except the one the slot's head promised, which its replacement commits,
 * and the read_committed output must stay exact.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { objectStoreFor } from '../../helpers/s3.ts'
import { useScenarioContext, WordCountScenario } from '../../helpers/word-count-scenario.ts'
import { type WorkerProcess, waitForExit, waitUntil } from '../../helpers/worker-process.ts'
import { atFreeze, type FreezeSnapshot, outcomeOf } from '../../helpers/zombie-fencing.ts'

const ctx = useScenarioContext()
const store = objectStoreFor(ctx.stack)

const EXIT_FAILED = 1
const EXIT_SUPERSEDED = 3
// Input keeps arriving for ~6 s (50 batches of 60, one every 120 ms): a zombie frozen at
// checkpoint 2 or 3 has records in the transactions it holds open.
const INPUT_RECORDS = 3000

async function lastCheckpoint(worker: WorkerProcess): Promise<number> {
  const status = (await worker.status()) as { lastCheckpoint?: { id: number } }
  return status.lastCheckpoint?.id ?? 0
}

/** Waits until the process has stopped itself (state T in /proc). */
async function waitStopped(worker: WorkerProcess): Promise<void> {
  const { readFileSync } = await import('node:fs')
  await waitUntil(
    () => /^State:\s+T/m.test(readFileSync(`/proc/${worker.child.pid}/status`, 'utf8')),
    30_000,
    () => `the worker did not freeze itself; its log ends:\n${worker.tail()}`,
  )
}

/** The transactions the zombie holds open at the freeze that are its own (not the head's promise). */
const ownOpen = (s: FreezeSnapshot) =>
  new Set(s.open.map((t) => `${t.producerId}/${t.epoch}`).filter((t) => t !== s.headCommittable))

async function replaceAndWake(run: WordCountScenario, zombie: WorkerProcess): Promise<WorkerProcess> {
  const successor = await run.start(0, 2)
  await waitUntil(
    async () => (await successor.status()).ready && (await lastCheckpoint(successor)) > 0,
    60_000,
    () => `the replacement did not checkpoint; its log ends:\n${successor.tail()}`,
  )
  zombie.signal('SIGCONT')
  const exit = await waitForExit(zombie, 30_000)
  const log = zombie.tail(40)
  if (exit.code === EXIT_SUPERSEDED) {
    expect(log, 'a superseded zombie says so').toContain('a newer attempt owns this slot: exiting at once')
  } else {
    expect(exit, `the zombie must exit superseded (3) or fenced (1), not stop cleanly; its log ends:\n${log}`).toEqual({
      code: EXIT_FAILED,
      signal: null,
    })
    expect(log, 'exit 1 only because Kafka fenced its producer').toMatch(/"reason":"(ProducerFenced|Superseded)"/)
  }
  return successor
}

/**
 * After the audit (nothing open on the sink): the transactions open at the freeze ended aborted,
 * but for the head's promised one, which is committed, and none is half visible.
 */
async function expectFenced(run: WordCountScenario, frozen: FreezeSnapshot, own: 'some' | 'any'): Promise<void> {
  const outcome = await outcomeOf(ctx.kafka, ctx.stack.kafka.bootstrap, run.job.sinkTopic, frozen)
  const opened = new Set(frozen.open.map((t) => `${t.producerId}/${t.epoch}`))
  const promised = frozen.headCommittable && opened.has(frozen.headCommittable) ? [frozen.headCommittable] : []
  const what = `open at the freeze: ${JSON.stringify(frozen.open, (_, v) => (typeof v === 'bigint' ? String(v) : v))}; head promised ${frozen.headCommittable}; outcome ${JSON.stringify(outcome)}`
  expect(outcome.torn, what).toEqual([])
  expect(outcome.committed.map((c) => c.txn).sort(), `only the head's transaction is committed; ${what}`).toEqual(
    promised,
  )
  expect(outcome.aborted.map((a) => a.txn).sort(), `the zombie's own transactions are aborted; ${what}`).toEqual(
    [...ownOpen(frozen)].sort(),
  )
  if (own === 'some')
    expect(ownOpen(frozen).size, `the zombie held a transaction of its own; ${what}`).toBeGreaterThan(0)
}

// Side by side: each scenario has its own topics, storage and workers, and waits on its feed.
describe.concurrent('exactly worker zombies', () => {
  it('a frozen worker woken after its replacement checkpointed is fenced and exits', async () => {
    const run = await WordCountScenario.create(ctx, 'zombie-frozen', { inputRecords: INPUT_RECORDS })
    run.feed()
    const zombie = await run.start(0, 1)
    await waitUntil(
      async () => (await lastCheckpoint(zombie)) >= 2,
      60_000,
      () => `the first attempt did not checkpoint twice; its log ends:\n${zombie.tail()}`,
    )
    // Frozen at a moment it holds a transaction of its own with records (almost always at once).
    let frozen: FreezeSnapshot | undefined
    for (let tries = 0; tries < 20 && !frozen; tries++) {
      zombie.signal('SIGSTOP')
      await waitStopped(zombie)
      const snapshot = await atFreeze(ctx.client, store, run.job)
      if (ownOpen(snapshot).size > 0) frozen = snapshot
      else {
        zombie.signal('SIGCONT')
        await sleep(150)
      }
    }
    if (!frozen) throw new Error('the zombie never held a transaction of its own when frozen (20 tries)')
    const successor = await replaceAndWake(run, zombie)
    await run.runToEnd([successor])
    await run.verify()
    await expectFenced(run, frozen, 'some')
  })

  it('a worker frozen after writing a manifest never makes it head once replaced', async () => {
    const run = await WordCountScenario.create(ctx, 'zombie-manifest', { inputRecords: INPUT_RECORDS })
    run.feed()
    const zombie = await run.start(0, 1, 'after-manifest@3=stop')
    await waitStopped(zombie)
    const frozen = await atFreeze(ctx.client, store, run.job)
    const successor = await replaceAndWake(run, zombie)
    expect(zombie.tail(40)).toMatch(/newer attempt|fenced/i)
    await run.runToEnd([successor])
    await run.verify()
    // The head stayed at 2, whose T(2) was committed before checkpoint 3 began: no transaction
    // open at the freeze is the head's, so T(3), pre-committed under the unused manifest, and T(4)
    // must all end aborted.
    expect(frozen.open.map((t) => `${t.producerId}/${t.epoch}`)).not.toContain(frozen.headCommittable)
    await expectFenced(run, frozen, 'some')
  })

  it('the race: the old worker moves the head just before its replacement claims it; output stays exact', async () => {
    const run = await WordCountScenario.create(ctx, 'zombie-race', { inputRecords: INPUT_RECORDS })
    run.feed()
    // Frozen after its head CAS and before its commit: the replacement claims that newer head and
    // must commit the zombie's pre-committed transaction itself.
    const zombie = await run.start(0, 1, 'before-commit@3=stop')
    await waitStopped(zombie)
    const frozen = await atFreeze(ctx.client, store, run.job)
    expect(frozen.headCommittable, 'the head names checkpoint 3, not committed yet').toBeDefined()
    const successor = await replaceAndWake(run, zombie)
    await run.runToEnd([successor])
    await run.verify()
    await expectFenced(run, frozen, 'any')
  })
})
