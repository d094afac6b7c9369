/**
 * The Flink peer: runs bench/peers/flink (FlinkBenchApp, Flink 2.2 with the Kafka connector 5.0,
 * one job in a local MiniCluster inside one JVM) over pre-loaded input until it has processed
 * `expectedRecords` input records, stops it with a savepoint (the last checkpoint's transaction is
 * committed; no final watermark, so windows still open stay unemitted) and returns its figures.
 *
 * Modes, the same jobs as ours (KafkaSource read_committed from earliest → job → KafkaSink):
 * - `passthrough`: every input record to the output topic, unchanged (chained, no keyBy).
 * - `keyed-count`: keyBy(key) → (key, running count as a decimal string) per record from a
 *   ValueState<Long>, in the HashMap state backend by default, `state: 'rocksdb'` otherwise.
 * - `windowed-count`: bench/jobs/windowed-count.ts with one-minute tumbling event-time windows,
 *   event time from the value's sequence number, per-partition in-order watermarks.
 * - `bank`: examples/bank-transfers/job.ts. `inputTopics` is [commands, credits]; credits are
 *   written to the credits topic, events to `outputTopic`. Records processed = commands + credits.
 *
 * Times as for the Kafka Streams peer: `elapsedMs` from the first input record processed to the
 * expected-th (MiniCluster start-up, the job's deployment and the final savepoint are outside it;
 * `closeMs` is the stop, with the windowed count's wait for its last watermark); `cpuMs` is the
 * JVM's process CPU over that window (all threads: task threads, Kafka clients, checkpoints, GC,
 * JIT); `processCpuMs` is the whole process, start-up included.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { installOnce } from '../../stack/components.ts'
import { type PeerLine, peerFigures, runJava } from './java.ts'

export type FlinkMode = 'passthrough' | 'keyed-count' | 'windowed-count' | 'bank'
export type FlinkGuarantee = 'exactly_once' | 'at_least_once'
export type FlinkState = 'hashmap' | 'rocksdb'

export interface FlinkOptions {
  bootstrap: string
  mode: FlinkMode
  guarantee: FlinkGuarantee
  inputTopics: string[]
  outputTopic: string
  /** Input records (over all input topics) after which the job is stopped and the figures reported. */
  expectedRecords: number
  /** execution.checkpointing.interval: under exactly-once, one Kafka transaction per checkpoint. */
  checkpointIntervalMs: number
  /** Unique per run: the source's consumer group and the sink's transactional id prefix. */
  applicationId: string
  timeoutMs: number
  /** state.backend.type: 'hashmap' (default, state on the JVM heap) or 'rocksdb'. */
  state?: FlinkState
  /** Parallelism of every operator (default 1): the 4 input partitions are shared by the source subtasks. */
  parallelism?: number
  /** JVM options; default {@link FLINK_JAVA_OPTS}. */
  javaOpts?: string[]
}

export interface FlinkResult {
  records: number
  elapsedMs: number
  cpuMs: number
  recordsPerSec: number
  cpuMicrosPerRecord: number
  firstRecordAt: number
  lastRecordAt: number
  /** From the expected-th record to the job finished: the final savepoint and its commit. */
  closeMs: number
  /** Part of `closeMs`: the windowed count waiting for its last watermark to reach the windows. */
  watermarkWaitMs: number
  /** CPU of the whole JVM process (start-up, deployment, stop included), from bash's `times`. */
  processCpuMs: number
  /** From spawning the JVM to its exit. */
  wallMs: number
  state: FlinkState
  parallelism: number
}

/**
 * A 1 GiB heap (enough for the MiniCluster and 10^6 keys on the heap), and the module openings a
 * Flink distribution starts its JVMs with on Java 17 (`env.java.opts.all` in its config.yaml):
 * Flink reflects into these packages (closure cleaning, serializers, direct memory).
 */
export const FLINK_JAVA_OPTS: readonly string[] = [
  '-Xmx1g',
  '--add-exports=java.base/sun.net.util=ALL-UNNAMED',
  ...[
    'java.lang',
    'java.lang.reflect',
    'java.net',
    'java.io',
    'java.nio',
    'sun.nio.ch',
    'java.text',
    'java.time',
    'java.util',
    'java.util.concurrent',
    'java.util.concurrent.atomic',
    'java.util.concurrent.locks',
  ].map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`),
]

const installScript = join(import.meta.dirname, 'flink', 'install.sh')

/** Installs (first time: fetch from Maven Central and compile; then instant) and returns the classpath dir. */
export function flinkDir(): Promise<string> {
  return installOnce(installScript, 'the Flink peer', 30 * 60_000)
}

export async function runFlink(o: FlinkOptions): Promise<FlinkResult> {
  if (o.mode === 'bank' && o.inputTopics.length !== 2) {
    throw new Error(`flink bank: inputTopics must be [commands, credits], got ${JSON.stringify(o.inputTopics)}`)
  }
  if (o.inputTopics.length === 0) throw new Error(`flink ${o.mode}: no input topic`)
  const dir = await flinkDir()
  // Checkpoints, savepoints and RocksDB's files: local disk, removed after the run.
  const checkpointDir = await mkdtemp(join(tmpdir(), 'exactly-bench-flink-'))
  const state = o.state ?? 'hashmap'
  const parallelism = o.parallelism ?? 1
  try {
    const what = `flink ${o.mode} (${o.guarantee}, ${state}, parallelism ${parallelism}, ${o.applicationId})`
    const result = await runJava({
      what,
      classpath: `${dir}/*:${dir}/libs/*`,
      mainClass: 'dev.exactly.bench.flink.FlinkBenchApp',
      args: [
        o.mode,
        `--bootstrap=${o.bootstrap}`,
        `--input=${o.inputTopics.join(',')}`,
        `--output=${o.outputTopic}`,
        `--expected=${o.expectedRecords}`,
        `--application-id=${o.applicationId}`,
        `--checkpoint-dir=${checkpointDir}`,
        `--guarantee=${o.guarantee}`,
        `--checkpoint-interval-ms=${o.checkpointIntervalMs}`,
        `--state=${state}`,
        `--parallelism=${parallelism}`,
      ],
      timeoutMs: o.timeoutMs,
      javaOpts: o.javaOpts ?? FLINK_JAVA_OPTS,
    })
    const { figures, ...rates } = peerFigures<PeerLine & { watermarkWaitMs: number }>(what, result, o.expectedRecords)
    return {
      records: figures.records,
      elapsedMs: figures.elapsedMs,
      cpuMs: figures.cpuMs,
      firstRecordAt: figures.firstRecordAt,
      lastRecordAt: figures.lastRecordAt,
      closeMs: figures.closeMs,
      watermarkWaitMs: figures.watermarkWaitMs,
      ...rates,
      state,
      parallelism,
    }
  } finally {
    await rm(checkpointDir, { recursive: true, force: true })
  }
}
