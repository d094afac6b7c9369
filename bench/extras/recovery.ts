/**
 * Recovery after SIGKILL: a keyed count (10^5 keys, ours, exactly-once, 1 s checkpoints) runs on
 * input arriving at a fixed rate; after a while the worker is SIGKILLed and a new one (attempt
 * + 1) is started at once, as a supervisor would. The time from the kill until the new worker has
 * caught up is split into:
 *   detection  kill → the parent sees the process exit (here a process, not a pod: in Kubernetes
 *              the kubelet and the operator add their own delay, not measured here);
 *   restart    exit seen → the new worker starts restoring (process start, module load, connect);
 *   restore    the worker's own `restoreDurationMs` (claim the head, commit what it promised,
 *              fence, close hanging transactions, read the snapshots);
 *   catch-up   running → lag 0 (the input that arrived meanwhile, and the replay since the
 *              last checkpoint).
 * The output is then checked: a recovery that duplicates or loses a count is invalid.
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { KafkajsClient } from '../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { createNamedTopic } from '../../test/integration/helpers/kafka.ts'
import { checkOutput } from '../check-output.ts'
import { OutputWatch } from '../output-watch.ts'
import type { Figures, Section } from '../report.ts'
import { median } from '../report.ts'
import { type Bench, deleteCheckpoints } from '../run-cell.ts'
import { type OurJob, type OurWorker, startOurWorker, waitRunning } from '../systems/our-worker.ts'
import { PARTITIONS } from '../workloads.ts'
import { rateProducer } from './rate-producer.ts'

const RATE = 2000
const SECONDS = 25
const KILL_AFTER_MS = 10_000

interface RecoveryRun {
  valid: boolean
  detectionMs: number
  restartMs: number
  restoreMs: number
  catchUpMs: number
  totalMs: number
  problems: string[]
}

async function measure(bench: Bench, run: number): Promise<RecoveryRun> {
  const runId = `${bench.id}-recovery-${run}`
  const input = `${runId}-in`
  const output = `${runId}-out`
  await createNamedTopic(bench.kafkajs, input, PARTITIONS)
  await createNamedTopic(bench.kafkajs, output, PARTITIONS)
  const producer = rateProducer({
    bootstrap: bench.bootstrap,
    topic: input,
    ratePerSec: RATE,
    records: RATE * SECONDS,
    keys: 100_000,
  })
  const job: OurJob = {
    name: `bench-${runId}`,
    uid: randomUUID(),
    module: 'bench/jobs/keyed-count.ts',
    sourceTopics: [input],
    sinkTopic: output,
    prefix: `bench/${runId}`,
    intervalMs: 1000,
    delivery: 'exactly-once',
  }
  const logFile = join(bench.logDir, `${runId}.log`)
  const kafka = new KafkajsClient({ brokers: [bench.bootstrap], clientId: `exactly-bench-${runId}` })
  const workers: OurWorker[] = []
  try {
    await kafka.connect()
    const first = await startOurWorker(bench.stack, job, { attempt: 1, logFile })
    workers.push(first)
    await waitRunning(first, 60_000)
    const sending = producer.start()
    await sleep(KILL_AFTER_MS)
    const killedAt = Date.now()
    first.kill()
    await first.exited
    const exitSeenAt = Date.now()
    const second = await startOurWorker(bench.stack, job, { attempt: 2, logFile })
    workers.push(second)
    const running = await waitRunning(second, 120_000)
    const runningAt = Date.now()
    const restoreMs = running.restoreDurationMs ?? Number.NaN
    let caughtUpAt: number | undefined
    while (caughtUpAt === undefined) {
      const failure = second.failure()
      if (failure) throw new Error(failure)
      const status = await second.status()
      if (status.recordsIn > 0 && status.lag === 0) caughtUpAt = Date.now()
      else await sleep(20)
    }
    await sending
    const watch = new OutputWatch({ bootstrap: bench.bootstrap, client: kafka, topic: output, expected: 0 })
    const settled = await watch.settled({
      inputDone: async () => (await second.status()).lag === 0,
      deadline: Date.now() + bench.timeoutMs,
      failed: () => second.failure(),
    })
    await watch.close()
    if (settled === undefined) throw new Error('the recovered worker did not commit its output in time')
    await second.stop()
    const check = await checkOutput(kafka, output, 'keyedCount', producer.input)
    return {
      valid: check.valid,
      detectionMs: exitSeenAt - killedAt,
      restartMs: runningAt - exitSeenAt - restoreMs,
      restoreMs,
      catchUpMs: caughtUpAt - runningAt,
      totalMs: caughtUpAt - killedAt,
      problems: check.problems,
    }
  } finally {
    for (const w of workers) w.kill()
    await kafka.close().catch(() => {})
    await bench.admin.deleteTopics({ topics: [input, output] }).catch(() => {})
    await deleteCheckpoints(bench.stack, job.prefix)
  }
}

const PARTS = ['detectionMs', 'restartMs', 'restoreMs', 'catchUpMs', 'totalMs'] as const

export async function recoverySection(bench: Bench, runs: number, say: (line: string) => void): Promise<Section> {
  const results: RecoveryRun[] = []
  for (let run = 1; run <= runs; run++) {
    const result = await measure(bench, run).catch(
      (error: Error): RecoveryRun => ({
        valid: false,
        detectionMs: Number.NaN,
        restartMs: Number.NaN,
        restoreMs: Number.NaN,
        catchUpMs: Number.NaN,
        totalMs: Number.NaN,
        problems: [error.message],
      }),
    )
    results.push(result)
    const parts = PARTS.map((p) => `${p.replace(/Ms$/, '')} ${Math.round(result[p])} ms`).join(', ')
    say(`[recovery ${run}/${runs}] ${parts}${result.valid ? '' : ` INVALID: ${result.problems.join('; ')}`}`)
  }
  const valid = results.filter((r) => r.valid)
  const figures: Figures = { 'recovery.ours.eos.1s.validRuns': valid.length }
  const cells: string[] = []
  for (const part of PARTS) {
    const m = median(valid.map((r) => r[part]))
    figures[`recovery.ours.eos.1s.${part}`] = m === undefined ? null : Math.round(m)
    cells.push(m === undefined ? '–' : String(Math.round(m)))
  }
  const markdown = [
    `Keyed count over 10^5 keys, ours, exactly-once, 1 s checkpoints, input at ${RATE} records/s; the worker is SIGKILLed ${KILL_AFTER_MS / 1000} s in and attempt 2 started at once. Detection is the parent seeing the process exit (no kubelet or operator in this measurement); restart is process start to restore start; restore is the worker's own restoreDurationMs; catch-up is running to lag 0. Medians of ${valid.length} valid runs of ${runs}; every run's read_committed output is checked for exact counts.`,
    '',
    '| detection ms | restart ms | restore ms | catch-up ms | total ms |',
    '|--:|--:|--:|--:|--:|',
    `| ${cells.join(' | ')} |`,
  ].join('\n')
  return { title: 'Recovery after SIGKILL', figures, markdown }
}
