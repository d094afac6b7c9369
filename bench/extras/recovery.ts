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
 *
 * Kafka Streams and Flink on the same job, the same input and the same kill are measured next to
 * it, run for run (bench/extras/recovery-kafka-streams.ts, recovery-flink.ts); `--systems=ours`,
 * `kafkaStreams` or `flink` keeps some of them.
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { KafkajsClient } from '../../runtime/kafka/kafkajs/kafkajs-client.ts'
import type { Figures, Section } from '../report.ts'
import { median } from '../report.ts'
import { type Bench, deleteCheckpoints } from '../run-cell.ts'
import { type OurJob, type OurWorker, startOurWorker, waitRunning } from '../systems/our-worker.ts'
import { measureFlink } from './recovery-flink.ts'
import { measureKafkaStreams, type StateDirCase } from './recovery-kafka-streams.ts'
import { type RecoveryJob, type RecoveryRun, recoveryTopics, sendThenKill, settleAndCheck } from './recovery-run.ts'

/** The job every system recovers: keyed count over `keys` keys, input at a fixed rate, one SIGKILL. */
const JOB: RecoveryJob = { ratePerSec: 2000, seconds: 25, killAfterMs: 10_000, keys: 100_000 }

async function measure(bench: Bench, run: number): Promise<RecoveryRun> {
  const runId = `${bench.id}-recovery-${run}`
  const { input, output, producer } = await recoveryTopics(bench, runId, JOB)
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
    const { sending, killedAt, exitSeenAt } = await sendThenKill(producer, first, JOB)
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
    const check = await settleAndCheck(bench, kafka, output, producer, {
      name: 'the recovered worker',
      inputDone: async () => (await second.status()).lag === 0,
      failure: () => second.failure(),
      stop: () => second.stop(),
    })
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

interface Row {
  /** Key prefix in latest.json, after `recovery.`. */
  key: string
  label: string
  measure: (bench: Bench, run: number, say: (line: string) => void) => Promise<RecoveryRun>
}

const ks = (state: StateDirCase) => (bench: Bench, run: number, say: (line: string) => void) =>
  measureKafkaStreams(bench, JOB, run, state, say)

const ROWS: Array<Row & { system: string }> = [
  {
    system: 'ours',
    key: 'ours.eos.1s',
    label: 'ours, exactly-once, 1 s checkpoints',
    measure: (b, r) => measure(b, r),
  },
  {
    system: 'kafkaStreams',
    key: 'kafkaStreams.eos.1s',
    label: 'Kafka Streams, exactly_once_v2, new state dir (restores from the changelog)',
    measure: ks('new'),
  },
  {
    system: 'kafkaStreams',
    key: 'kafkaStreams.eos.1s.keptStateDir',
    label: 'Kafka Streams, exactly_once_v2, state dir kept',
    measure: ks('kept'),
  },
  {
    system: 'flink',
    key: 'flink.eos.1s',
    label: 'Flink, EXACTLY_ONCE, restarted from its latest retained checkpoint',
    measure: (b, r, say) => measureFlink(b, JOB, r, say),
  },
]

const failed = (error: Error): RecoveryRun => ({
  valid: false,
  detectionMs: Number.NaN,
  restartMs: Number.NaN,
  restoreMs: Number.NaN,
  catchUpMs: Number.NaN,
  totalMs: Number.NaN,
  problems: [error.message],
})

/** `systems`: bench/run.ts's --systems (ids or cell ids); undefined: every row. */
export async function recoverySection(
  bench: Bench,
  runs: number,
  say: (line: string) => void,
  systems?: readonly string[],
): Promise<Section> {
  const rows = ROWS.filter((r) => !systems || systems.some((s) => s === r.system || r.key.startsWith(s)))
  const results = new Map<Row, RecoveryRun[]>(rows.map((r) => [r, []]))
  // Run for run, the rows interleaved, as the throughput cells are.
  for (let run = 1; run <= runs; run++) {
    for (const row of rows) {
      const result = await row.measure(bench, run, say).catch(failed)
      results.get(row)!.push(result)
      const parts = PARTS.map((p) => `${p.replace(/Ms$/, '')} ${Math.round(result[p])} ms`).join(', ')
      const why = result.valid ? '' : ` INVALID: ${result.problems.join('; ')}`
      say(`[recovery ${run}/${runs}] ${row.key}: ${parts}${why}`)
    }
  }
  const figures: Figures = {}
  const table: string[] = []
  const notes: string[] = []
  for (const [row, all] of results) {
    const valid = all.filter((r) => r.valid)
    const key = `recovery.${row.key}`
    figures[`${key}.validRuns`] = valid.length
    if (valid.length < all.length) figures[`${key}.invalidRuns`] = all.length - valid.length
    const cells = PARTS.map((part) => {
      const m = median(valid.map((r) => r[part]))
      figures[`${key}.${part}`] = m === undefined ? null : Math.round(m)
      return m === undefined ? '–' : String(Math.round(m))
    })
    const extra = new Map<string, number>()
    for (const name of new Set(valid.flatMap((r) => Object.keys(r.extra ?? {})))) {
      const m = median(valid.map((r) => r.extra?.[name] ?? Number.NaN))
      if (m === undefined) continue
      extra.set(name, Math.round(m))
      figures[`${key}.${name}`] = Math.round(m)
    }
    const problems = [...new Set(all.flatMap((r) => r.problems))].slice(0, 2).map((p) => p.replaceAll('|', '/'))
    table.push(`| ${row.label} | ${cells.join(' | ')} | ${valid.length}/${all.length} |`)
    if (problems.length > 0) notes.push(`- ${row.label}: **invalid or failed runs**: ${problems.join('; ')}`)
    if (extra.has('groupWaitMs')) {
      notes.push(
        `- ${row.label}, medians of the parts of restart: exit seen to \`KafkaStreams.start()\` (JVM start) ${extra.get('jvmStartMs')} ms, then the rebalance until the first changelog partition restores ${extra.get('groupWaitMs')} ms; ${extra.get('restoredRecords')} changelog records restored.`,
      )
    }
  }
  const settings = [...results.values()].flat().find((r) => r.extra?.sessionTimeoutMs !== undefined)?.extra
  const markdown = [
    `Keyed count over 10^5 keys, input at ${JOB.ratePerSec} records/s for ${JOB.seconds} s; the process is SIGKILLed ${JOB.killAfterMs / 1000} s in and a new one started at once, as a supervisor would (no kubelet or operator in this measurement). Detection is the parent seeing the process exit. Ours (1 s checkpoints): restart is process start to restore start; restore is the worker's own restoreDurationMs; catch-up is running to lag 0. Kafka Streams (bench/peers/kafka-streams, exactly_once_v2, commit.interval.ms 1000, RocksDB with caching, one stream thread; timed by the JVM's own events: state listener, StateRestoreListener): restart is exit seen to the first changelog partition starting to restore: the new JVM's start, then the consumer group's rebalance, which waits for the killed member's session to expire (it never left the group); restore is from there to RUNNING with every changelog partition restored; catch-up is from there to its processing lag being 0 (the input's last stable offsets against the offsets it processed, polled every 20 ms). "New state dir" is a replacement pod without a persistent volume; "state dir kept" is a restart on the same volume (under exactly_once_v2 a store a crash left without its checkpoint file is wiped and restored from the changelog all the same: see records restored). When a system is down longer than the input lasts, its catch-up drains the whole backlog. Flink (bench/peers/flink, HashMap state, checkpoints every 1 s retained on local disk, timed by its JVM's events): the new JVM starts from the latest retained checkpoint; restart is exit seen to the job RUNNING (JVM and MiniCluster start, submission), restore is from there to the first record processed (tasks deployed, state restored, the dead JVM's transactions aborted), catch-up is from there to lag 0. Kafka Streams runs with its defaults: ${settings ? `classic group protocol, no group.instance.id, session.timeout.ms ${settings.sessionTimeoutMs}, transaction.timeout.ms ${settings.transactionTimeoutMs}` : 'see bench/extras/recovery-kafka-streams.ts'}; nothing was tuned for recovery. Medians of the valid runs; every run's read_committed output is checked for exact counts (each key's outputs exactly 1..n, no duplicates).`,
    '',
    '| system | detection ms | restart ms | restore ms | catch-up ms | total ms | valid runs |',
    '|---|--:|--:|--:|--:|--:|--:|',
    ...table,
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n')
  return { title: 'Recovery after SIGKILL', figures, markdown }
}
