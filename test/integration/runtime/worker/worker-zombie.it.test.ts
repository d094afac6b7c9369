/**
 * Zombies (DESIGN section 6): a worker that looks dead but still runs must never complete a
 * checkpoint or get a write committed after its replacement took over. The old worker is frozen
 * with SIGSTOP (by the test, or by itself at an exact protocol step), its replacement (attempt + 1)
 * claims the slot and checkpoints, then the old one is woken with SIGCONT: it must exit non-zero
 * without a clean stop, and the read_committed output must stay exact.
 */
import { describe, expect, it } from 'vitest'
import { useScenarioContext, WordCountScenario } from '../../helpers/word-count-scenario.ts'
import { type WorkerProcess, waitForExit, waitUntil } from '../../helpers/worker-process.ts'

const ctx = useScenarioContext()

const EXIT_FAILED = 1
const EXIT_SUPERSEDED = 3

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

async function replaceAndWake(run: WordCountScenario, zombie: WorkerProcess): Promise<WorkerProcess> {
  const successor = await run.start(0, 2)
  await waitUntil(
    async () => (await successor.status()).ready && (await lastCheckpoint(successor)) > 0,
    60_000,
    () => `the replacement did not checkpoint; its log ends:\n${successor.tail()}`,
  )
  zombie.signal('SIGCONT')
  const exit = await waitForExit(zombie, 30_000)
  expect(
    [EXIT_FAILED, EXIT_SUPERSEDED],
    `the zombie must exit as failed or superseded, not stop cleanly; its log ends:\n${zombie.tail()}`,
  ).toContain(exit.code)
  return successor
}

describe('exactly worker zombies', () => {
  it('a frozen worker woken after its replacement checkpointed is fenced and exits', async () => {
    const run = await WordCountScenario.create(ctx, 'zombie-frozen')
    run.feed()
    const zombie = await run.start(0, 1)
    await waitUntil(
      async () => (await lastCheckpoint(zombie)) >= 2,
      60_000,
      () => `the first attempt did not checkpoint twice; its log ends:\n${zombie.tail()}`,
    )
    zombie.signal('SIGSTOP')
    const successor = await replaceAndWake(run, zombie)
    await run.runToEnd([successor])
    await run.verify()
  })

  it('a worker frozen after writing a manifest never makes it head once replaced', async () => {
    const run = await WordCountScenario.create(ctx, 'zombie-manifest')
    run.feed()
    const zombie = await run.start(0, 1, 'after-manifest@3=stop')
    await waitStopped(zombie)
    const successor = await replaceAndWake(run, zombie)
    expect(zombie.tail(40)).toMatch(/newer attempt|fenced/i)
    await run.runToEnd([successor])
    await run.verify()
  })

  it('the race: the old worker moves the head just before its replacement claims it; output stays exact', async () => {
    const run = await WordCountScenario.create(ctx, 'zombie-race')
    run.feed()
    // Frozen after its head CAS and before its commit: the replacement claims that newer head and
    // must commit the zombie's pre-committed transaction itself.
    const zombie = await run.start(0, 1, 'before-commit@3=stop')
    await waitStopped(zombie)
    const successor = await replaceAndWake(run, zombie)
    await run.runToEnd([successor])
    await run.verify()
  })
})
