/**
 * Recovery after SIGKILL, Kafka Streams on the same job as ours (bench/extras/recovery.ts): keyed
 * count over 10^5 keys, exactly_once_v2, commit.interval.ms 1000, RocksDB with caching, one stream
 * thread, input at the same rate, SIGKILL at the same time; a new JVM with the same application.id
 * is started at once, as a supervisor would. Two cases:
 *   new state dir   the new JVM gets an empty state directory, as a replacement pod without a
 *                   persistent volume: it restores the store from its changelog topic;
 *   kept state dir  the new JVM reuses the dead one's directory, as a restarted container on the
 *                   same volume (under exactly-once a store without a clean-shutdown checkpoint
 *                   file is wiped and restored from the changelog anyway).
 * Kafka Streams' and the clients' defaults otherwise (the app prints the effective ones): classic
 * group protocol, no group.instance.id, session.timeout.ms 45000, transaction.timeout.ms 10000.
 *
 * The split, from the JVMs' own event lines (bench/peers/kafka-streams-process.ts):
 *   detection  kill → this process sees the JVM exit (as for ours);
 *   restart    exit seen → the first changelog partition starts restoring: JVM start, the client
 *              starting (→ REBALANCING), the group rebalance, which waits for the dead member
 *              to leave the group (its session to time out: it never said goodbye);
 *   restore    first restore start → RUNNING with every changelog partition restored;
 *   catch-up   RUNNING → its processing lag is 0 (the input's last stable offsets against the
 *              offsets it processed, polled every 20 ms, as ours is polled on /status).
 * The output is then checked as for ours (read_committed, exact counts per key, no duplicates).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KafkajsClient } from '../../runtime/kafka/kafkajs/kafkajs-client.ts'
import {
  type KafkaStreamsEvent,
  type KafkaStreamsProcess,
  startKafkaStreamsProcess,
} from '../peers/kafka-streams-process.ts'
import type { Bench } from '../run-cell.ts'
import { streamsApplicationId } from '../systems/kafka-streams.ts'
import { type RecoveryJob, type RecoveryRun, recoveryTopics, sendThenKill, settleAndCheck } from './recovery-run.ts'

const COMMIT_INTERVAL_MS = 1000
const LAG_POLL_MS = 20

export type StateDirCase = 'new' | 'kept'

export async function measureKafkaStreams(
  bench: Bench,
  job: RecoveryJob,
  run: number,
  stateDirCase: StateDirCase,
  say: (line: string) => void,
): Promise<RecoveryRun> {
  const runId = `${bench.id}-recovery-ks-${stateDirCase}-${run}`
  const applicationId = streamsApplicationId(runId)
  const { input, output, producer } = await recoveryTopics(bench, runId, job)
  const stateDirs = [mkdtempSync(join(tmpdir(), 'exactly-bench-kstreams-'))]
  const start = (stateDir: string) =>
    startKafkaStreamsProcess({
      bootstrap: bench.bootstrap,
      inputTopic: input,
      outputTopic: output,
      applicationId,
      stateDir,
      commitIntervalMs: COMMIT_INTERVAL_MS,
      lagPollMs: LAG_POLL_MS,
      logFile: join(bench.logDir, `${runId}.log`),
      logLevel: 'info',
    })
  const kafka = new KafkajsClient({ brokers: [bench.bootstrap], clientId: `exactly-bench-${runId}` })
  const jvms: KafkaStreamsProcess[] = []
  try {
    await kafka.connect()
    const first = await start(stateDirs[0]!)
    jvms.push(first)
    await first.waitFor(isState('RUNNING'), 120_000, 'RUNNING (first JVM)')
    const { sending, killedAt, exitSeenAt } = await sendThenKill(producer, first, job)
    if (stateDirCase === 'new') stateDirs.push(mkdtempSync(join(tmpdir(), 'exactly-bench-kstreams-')))
    const second = await start(stateDirs.at(-1)!)
    jvms.push(second)
    const caughtUp = await second.waitFor((e) => e.event === 'caught-up', bench.timeoutMs, 'catch-up')
    const split = splitOf(second.events, { killedAt, exitSeenAt, caughtUpAt: caughtUp.at })
    await sending
    const check = await settleAndCheck(bench, kafka, output, producer, {
      name: 'the recovered Kafka Streams',
      inputDone: async () => second.events.findLast((e) => e.event === 'lag')?.lag === 0,
      failure: () => second.failure(),
      stop: () => second.stop(),
    })
    const config = second.events.find((e) => e.event === 'config')
    say(
      `  Kafka Streams (${stateDirCase} state dir): JVM start ${split.extra.jvmStartMs} ms, group wait ` +
        `${split.extra.groupWaitMs} ms, ${split.extra.restoredRecords} changelog records restored ` +
        `(session.timeout.ms ${config?.sessionTimeoutMs}, transaction.timeout.ms ${config?.transactionTimeoutMs})`,
    )
    const extra = { ...split.extra }
    if (typeof config?.sessionTimeoutMs === 'number') extra.sessionTimeoutMs = config.sessionTimeoutMs
    if (typeof config?.transactionTimeoutMs === 'number') extra.transactionTimeoutMs = config.transactionTimeoutMs
    return { ...split, extra, valid: check.valid, problems: check.problems }
  } finally {
    for (const jvm of jvms) jvm.kill()
    await Promise.all(jvms.map((j) => j.exited))
    await kafka.close().catch(() => {})
    for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true })
    try {
      const topics = (await bench.admin.listTopics()).filter((t) => t.includes(runId))
      await bench.admin.deleteTopics({ topics, timeout: 30_000 })
    } catch (error) {
      say(`  (could not delete the topics of ${runId}: ${(error as Error).message})`)
    }
    // Its consumer group (none if the first JVM never joined).
    await bench.admin.deleteGroups([applicationId]).catch(() => {})
  }
}

const isState = (to: string) => (e: KafkaStreamsEvent) => e.event === 'state' && e.to === to

/** The four parts from the second JVM's events; `extra` breaks restart down. */
export function splitOf(
  events: readonly KafkaStreamsEvent[],
  at: { killedAt: number; exitSeenAt: number; caughtUpAt: number },
): Omit<RecoveryRun, 'valid' | 'problems'> & { extra: Record<string, number> } {
  const started = events.find(isState('REBALANCING'))?.at ?? Number.NaN
  const restoreStarts = events.filter((e) => e.event === 'restore-start' && e.at <= at.caughtUpAt)
  const restoreEnds = events.filter((e) => e.event === 'restore-end' && e.at <= at.caughtUpAt)
  // The RUNNING before the catch-up (the state updater may restore while the client is RUNNING).
  const running = events.findLast((e) => isState('RUNNING')(e) && e.at <= at.caughtUpAt)?.at ?? Number.NaN
  const restored = Math.max(running, ...restoreEnds.map((e) => e.at))
  // Nothing to restore (no restore events): the restore part is 0, the rebalance is in restart.
  const restoreStart = restoreStarts[0]?.at ?? restored
  return {
    detectionMs: at.exitSeenAt - at.killedAt,
    restartMs: restoreStart - at.exitSeenAt,
    restoreMs: restored - restoreStart,
    catchUpMs: at.caughtUpAt - restored,
    totalMs: at.caughtUpAt - at.killedAt,
    extra: {
      jvmStartMs: started - at.exitSeenAt,
      groupWaitMs: restoreStart - started,
      restoredRecords: restoreEnds.reduce((sum, e) => sum + Number(e.restored ?? 0), 0),
    },
  }
}
