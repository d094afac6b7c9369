/**
 * The bank-transfers example end to end on real workers: two source topics (commands and the
 * credits the job sends to itself through Kafka), two slots, one of them killed between moving
 * its head and committing. `exactly verify` then checks every event exactly once and the bank
 * invariant: each account's balances form a consistent chain and they add up to the deposits.
 */

import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { commandKey, generateBankCommands } from '../../../../examples/bank-transfers/generate.ts'
import { runExactly } from '../../../../stack/run-command.ts'
import { createTopic, kafkaFor } from '../../../../stack/topics.ts'
import { produceSlowly } from '../../helpers/kafka.ts'
import {
  type JobSpec,
  startWorker,
  stopAllWorkers,
  type WorkerProcess,
  waitForExit,
} from '../../helpers/worker-process.ts'

const stack = inject('stack')
if (!stack.kafka || !stack.s3) throw new Error('The integration stack has no Kafka broker or S3 server')
const kafka = kafkaFor(stack.kafka.bootstrap)
afterAll(stopAllWorkers)

/** Quiet: no lag for `forMs` in a row on every worker (credits loop back through Kafka). */
async function waitQuiet(workers: WorkerProcess[], forMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let quietSince: number | undefined
  while (Date.now() < deadline) {
    const statuses = await Promise.all(workers.map((w) => w.status().catch(() => undefined)))
    const quiet = statuses.every((s) => s?.ready && s.lag === 0)
    quietSince = quiet ? (quietSince ?? Date.now()) : undefined
    if (quietSince !== undefined && Date.now() - quietSince >= forMs) return
    await sleep(100)
  }
  throw new Error(`the bank job did not go quiet; a log ends:\n${workers[0]?.tail()}`)
}

/** Fresh command, credits and event topics (two partitions each) and the bank job on them. */
async function bankJob(
  spec: Pick<JobSpec, 'name' | 'parallelism' | 'intervalMs'>,
): Promise<{ commands: string; events: string; job: JobSpec }> {
  const commands = await createTopic(kafka, 'bank-commands', 2)
  const credits = await createTopic(kafka, 'bank-credits', 2)
  const events = await createTopic(kafka, 'bank-events', 2)
  const job: JobSpec = {
    ...spec,
    uid: randomUUID(),
    module: 'examples/bank-transfers/job.ts',
    config: { creditsTopic: credits },
    sourceTopics: [commands, credits],
    sinkTopic: events,
    prefix: `bank-tests/${randomUUID().slice(0, 8)}`,
  }
  return { commands, events, job }
}

/** `exactly verify`: exactly `commandCount` commands in, every event exactly once, and the bank invariant holds. */
async function expectVerified(commands: string, events: string, commandCount: number): Promise<void> {
  const verify = await runExactly(
    [
      'verify',
      '--bootstrap',
      stack.kafka!.bootstrap,
      '--example',
      'bank-transfers',
      '--input',
      commands,
      '--output',
      events,
    ],
    { timeoutMs: 60_000 },
  )
  expect(verify.stdout, verify.stderr).toContain('verify: OK')
  expect(verify.stdout).toMatch(/invariant violations: 0/)
  expect(verify.stdout).toMatch(new RegExp(`^input records: +${commandCount}$`, 'm'))
  expect(verify.code).toBe(0)
}

describe('bank transfers on real workers', () => {
  it('keeps every balance exact through a crash before the commit', async () => {
    const { commands, events, job } = await bankJob({ name: 'bank', parallelism: 2 })
    const input = generateBankCommands(7, 1500, 40)
    const fed = produceSlowly(
      kafka,
      commands,
      input.length,
      (i) => ({ key: commandKey(input[i]!), value: JSON.stringify(input[i]) }),
      { batch: 50, pauseMs: 100 },
    )
    const slot0 = await startWorker(stack, job, 0, { attempt: 1 })
    const doomed = await startWorker(stack, job, 1, { attempt: 1, failpoints: 'before-commit@3' })
    expect((await waitForExit(doomed, 60_000)).signal).toBe('SIGKILL')
    const slot1 = await startWorker(stack, job, 1, { attempt: 2 })
    await fed
    await waitQuiet([slot0, slot1], 2000, 60_000)
    for (const w of [slot0, slot1]) w.signal('SIGTERM')
    for (const w of [slot0, slot1]) expect((await waitForExit(w, 30_000)).code).toBe(0)

    await expectVerified(commands, events, input.length)
  })

  it('does not wait out the checkpoint interval for the credits it sent itself', async () => {
    const intervalMs = 30_000
    const { commands, events, job } = await bankJob({ name: 'bank-early', parallelism: 1, intervalMs })
    const input = generateBankCommands(11, 400, 20)
    const transfers = input.filter((c) => c.type === 'transfer').length
    expect(transfers).toBeGreaterThan(50)
    await produceSlowly(
      kafka,
      commands,
      input.length,
      (i) => ({ key: commandKey(input[i]!), value: JSON.stringify(input[i]) }),
      { batch: 200, pauseMs: 0 },
    )
    const worker = await startWorker(stack, job, 0, { attempt: 1 })
    let runningAt: number | undefined
    let status: Awaited<ReturnType<WorkerProcess['status']>> | undefined
    // Every command, then a credit per transfer: the credits are readable only once the
    // transaction that wrote them commits, which must not wait for the 30 s interval.
    const startDeadline = Date.now() + 60_000
    while (runningAt === undefined ? Date.now() < startDeadline : Date.now() < runningAt + intervalMs) {
      status = await worker.status().catch(() => undefined)
      if (status?.phase === 'Running') runningAt ??= Date.now()
      if (Number(status?.recordsIn) >= input.length + transfers) break
      await sleep(100)
    }
    const elapsed = Date.now() - (runningAt ?? Date.now())
    expect(Number(status?.recordsIn), `read ${status?.recordsIn} records in ${elapsed} ms:\n${worker.tail()}`).toBe(
      input.length + transfers,
    )
    expect(elapsed).toBeLessThan(intervalMs)
    // The wait is measured: time with nothing to read while its own credits were uncommitted.
    const metrics = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text()
    const waited = Number(/^exactly_own_output_wait_seconds_total(?:\{[^}]*\})? (\S+)$/m.exec(metrics)?.[1])
    expect(waited).toBeGreaterThan(0)
    expect(waited * 1000).toBeLessThan(elapsed)
    worker.signal('SIGTERM')
    expect((await waitForExit(worker, 30_000)).code).toBe(0)
    await expectVerified(commands, events, input.length)
  })
})
