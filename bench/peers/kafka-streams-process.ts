/**
 * The Kafka Streams peer as a long-running process, for the recovery row: BenchApp with
 * `--expected=0` (runs until SIGTERM, whose shutdown hook closes the client cleanly and commits
 * the last transaction), `--events=true` (one `event {json}` line on stdout per state change,
 * changelog restore start and end, and the effective group and transaction settings) and
 * `--lag-poll-ms` (its processing lag against the input's last stable offsets, and the moment it
 * first reaches 0). The process and its events: event-jvm.ts.
 */
import { type EventJvm, type JvmEvent, startEventJvm } from './event-jvm.ts'
import { kafkaStreamsDir } from './kafka-streams.ts'

export type KafkaStreamsEvent = JvmEvent
export type KafkaStreamsProcess = EventJvm

export interface KafkaStreamsProcessOptions {
  bootstrap: string
  inputTopic: string
  outputTopic: string
  applicationId: string
  stateDir: string
  commitIntervalMs: number
  lagPollMs: number
  /** stderr (Kafka Streams' logs) and the event lines are appended here. */
  logFile: string
  /** slf4j-simple's level for the log file (default warn). */
  logLevel?: string
}

export async function startKafkaStreamsProcess(o: KafkaStreamsProcessOptions): Promise<KafkaStreamsProcess> {
  const dir = await kafkaStreamsDir()
  return startEventJvm({
    name: 'Kafka Streams',
    logFile: o.logFile,
    failedOn: (event) =>
      event.event === 'state' && event.to === 'ERROR' ? `Kafka Streams went to ERROR; see ${o.logFile}` : undefined,
    args: [
      `-Dorg.slf4j.simpleLogger.defaultLogLevel=${o.logLevel ?? 'warn'}`,
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      '-cp',
      `${dir}/*:${dir}/libs/*`,
      'dev.exactly.bench.BenchApp',
      'keyed-count',
      `--bootstrap=${o.bootstrap}`,
      `--input=${o.inputTopic}`,
      `--output=${o.outputTopic}`,
      '--expected=0',
      `--application-id=${o.applicationId}`,
      `--state-dir=${o.stateDir}`,
      '--guarantee=exactly_once_v2',
      `--commit-interval-ms=${o.commitIntervalMs}`,
      '--events=true',
      `--lag-poll-ms=${o.lagPollMs}`,
    ],
  })
}
