/**
 * The Flink peer as a long-running process, for the recovery row: FlinkBenchApp in keyed-count
 * mode with `--recovery=true` (runs until killed, checkpoints retained under `checkpointDir`, one
 * `event {json}` line per moment the row times: job-running, first-record, lag, caught-up) and,
 * for the restarted JVM, `--restore-from` a retained checkpoint. The process and its events:
 * event-jvm.ts.
 */
import { type EventJvm, startEventJvm } from './event-jvm.ts'
import { FLINK_JAVA_OPTS, flinkDir } from './flink.ts'

export interface FlinkProcessOptions {
  bootstrap: string
  inputTopic: string
  outputTopic: string
  /** The source's consumer group and the sink's transactional id prefix; the same for both JVMs. */
  applicationId: string
  /** Checkpoints go to DIR/checkpoints/<job id>/chk-N. */
  checkpointDir: string
  /** A retained checkpoint (its chk-N directory) to start from. */
  restoreFrom?: string
  lagPollMs: number
  /** stderr (Flink's logs) and the event lines are appended here. */
  logFile: string
}

export async function startFlinkProcess(o: FlinkProcessOptions): Promise<EventJvm> {
  const dir = await flinkDir()
  return startEventJvm({
    name: 'Flink',
    logFile: o.logFile,
    args: [
      ...FLINK_JAVA_OPTS,
      '-cp',
      `${dir}/*:${dir}/libs/*`,
      'dev.exactly.bench.flink.FlinkBenchApp',
      'keyed-count',
      `--bootstrap=${o.bootstrap}`,
      `--input=${o.inputTopic}`,
      `--output=${o.outputTopic}`,
      `--application-id=${o.applicationId}`,
      `--checkpoint-dir=${o.checkpointDir}`,
      '--guarantee=exactly_once',
      '--checkpoint-interval-ms=1000',
      '--recovery=true',
      ...(o.restoreFrom ? [`--restore-from=${o.restoreFrom}`] : []),
      `--lag-poll-ms=${o.lagPollMs}`,
    ],
  })
}
