/**
 * Recovery after SIGKILL, Flink on the same job as ours (bench/extras/recovery.ts): keyed count
 * over 10^5 keys, KafkaSink EXACTLY_ONCE, checkpoints every 1 s retained on local disk, HashMap
 * state, parallelism 1, input at the same rate, SIGKILL at the same time. A new JVM is started at
 * once from the latest retained checkpoint (execution.state-recovery.path), as a Flink deployment
 * restarts a job from its last checkpoint after losing its JobManager and TaskManager (one
 * MiniCluster JVM holds both here; a Kubernetes deployment adds the pods' restart to this).
 *
 * The split, from the new JVM's own event lines (bench/peers/flink/…/Recovery.java):
 *   detection  kill → this process sees the JVM exit (as for ours);
 *   restart    exit seen → the job is RUNNING: JVM start, MiniCluster start, job submission;
 *   restore    RUNNING → the first record processed: the tasks deploy, restore their state from
 *              the checkpoint, the sink aborts the transactions the dead JVM left open, the
 *              source seeks to the checkpoint's offsets;
 *   catch-up   first record → every record in the input read and processed (its lag against
 *              the input's last stable offsets, polled every 20 ms).
 * The output is then checked as for ours (read_committed, exact counts per key, no duplicates).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KafkajsClient } from '../../runtime/kafka/kafkajs/kafkajs-client.ts'
import type { JvmEvent } from '../peers/event-jvm.ts'
import { startFlinkProcess } from '../peers/flink-process.ts'
import type { Bench } from '../run-cell.ts'
import { type RecoveryJob, type RecoveryRun, recoveryTopics, sendThenKill, settleAndCheck } from './recovery-run.ts'

export async function measureFlink(
  bench: Bench,
  job: RecoveryJob,
  run: number,
  say: (line: string) => void,
): Promise<RecoveryRun> {
  const runId = `${bench.id}-recovery-flink-${run}`
  const { input, output, producer } = await recoveryTopics(bench, runId, job)
  const checkpointDir = mkdtempSync(join(tmpdir(), 'exactly-bench-flink-recovery-'))
  const start = (restoreFrom?: string) =>
    startFlinkProcess({
      bootstrap: bench.bootstrap,
      inputTopic: input,
      outputTopic: output,
      applicationId: runId,
      checkpointDir,
      ...(restoreFrom ? { restoreFrom } : {}),
      lagPollMs: 20,
      logFile: join(bench.logDir, `${runId}.log`),
    })
  const kafka = new KafkajsClient({ brokers: [bench.bootstrap], clientId: `exactly-bench-${runId}` })
  const jvms: Array<Awaited<ReturnType<typeof start>>> = []
  try {
    await kafka.connect()
    const first = await start()
    jvms.push(first)
    await first.waitFor(is('job-running'), 120_000, 'RUNNING (first JVM)')
    const { sending, killedAt, exitSeenAt } = await sendThenKill(producer, first, job)
    const checkpoint = latestCheckpoint(join(checkpointDir, 'checkpoints'))
    const second = await start(checkpoint.path)
    jvms.push(second)
    const caughtUp = await second.waitFor(is('caught-up'), bench.timeoutMs, 'catch-up')
    const running = second.events.find(is('job-running'))!
    const firstRecord = second.events.find(is('first-record'))!
    await sending
    const check = await settleAndCheck(bench, kafka, output, producer, {
      name: 'the recovered Flink job',
      inputDone: async () => second.events.findLast(is('lag'))?.lag === 0,
      failure: () => second.failure(),
      stop: () => second.stop(),
    })
    say(`  Flink: restored from checkpoint ${checkpoint.id}, taken ${killedAt - checkpoint.at} ms before the kill`)
    return {
      valid: check.valid,
      detectionMs: exitSeenAt - killedAt,
      restartMs: running.at - exitSeenAt,
      restoreMs: firstRecord.at - running.at,
      catchUpMs: caughtUp.at - firstRecord.at,
      totalMs: caughtUp.at - killedAt,
      problems: check.problems,
    }
  } finally {
    for (const jvm of jvms) jvm.kill()
    await Promise.all(jvms.map((j) => j.exited))
    await kafka.close().catch(() => {})
    rmSync(checkpointDir, { recursive: true, force: true })
    await bench.admin.deleteTopics({ topics: [input, output], timeout: 30_000 }).catch(() => {})
    await bench.admin.deleteGroups([runId]).catch(() => {})
  }
}

const is = (name: string) => (e: JvmEvent) => e.event === name

/** The newest complete checkpoint under DIR/<job id>/chk-N (its _metadata written last). */
function latestCheckpoint(dir: string): { path: string; id: number; at: number } {
  let best: { path: string; id: number; at: number } | undefined
  for (const jobId of readdirSync(dir)) {
    for (const name of readdirSync(join(dir, jobId))) {
      const id = /^chk-(\d+)$/.exec(name)?.[1]
      const metadata = join(dir, jobId, name, '_metadata')
      let at: number
      try {
        at = statSync(metadata).mtimeMs
      } catch {
        continue
      }
      if (id !== undefined && (!best || Number(id) > best.id))
        best = { path: join(dir, jobId, name), id: Number(id), at }
    }
  }
  if (!best) throw new Error(`Flink left no complete checkpoint under ${dir}`)
  return best
}
