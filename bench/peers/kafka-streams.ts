/**
 * The Kafka Streams peer: runs bench/peers/kafka-streams (BenchApp, Kafka Streams 4.3.1, one
 * stream thread, String serdes, `auto.offset.reset=earliest`) over pre-loaded input until it has
 * processed `expectedRecords` input records, closes it cleanly (the last transaction is committed)
 * and returns its figures.
 *
 * Modes, the same jobs as ours:
 * - `passthrough`: every input record to the output topic, unchanged.
 * - `keyed-count`: (key, running count as a decimal string) per input record, from a
 *   KeyValueStore: RocksDB by default (what Kafka Streams users run), `store: 'memory'` otherwise.
 * - `windowed-count`: bench/jobs/windowed-count.ts in the DSL: windowedBy(TimeWindows) + count +
 *   suppress(untilWindowCloses), event time from the value's sequence number (WindowedCount.java).
 * - `bank`: examples/bank-transfers/job.ts. `inputTopics` is [commands, credits]; credits are
 *   written to the credits topic, events to `outputTopic`. Records processed = commands + credits
 *   (one credit per transfer), so `expectedRecords` must count both.
 *
 * Times: `elapsedMs` runs from the first input record processed to the expected-th (JVM start-up,
 * the group's join and the final commit are outside it; `closeMs` says how long the clean close
 * with its last commit took). `cpuMs` is the JVM's process CPU time over that same window
 * (OperatingSystemMXBean.getProcessCpuTime, all threads: stream thread, producer and consumer
 * I/O threads, GC, JIT, RocksDB); `processCpuMs` is the whole process, start-up included.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { installOnce } from '../../stack/components.ts'
import { peerFigures, runJava } from './java.ts'

export type KafkaStreamsMode = 'passthrough' | 'keyed-count' | 'windowed-count' | 'bank'
export type KafkaStreamsGuarantee = 'exactly_once_v2' | 'at_least_once'

export interface KafkaStreamsOptions {
  bootstrap: string
  mode: KafkaStreamsMode
  guarantee: KafkaStreamsGuarantee
  inputTopics: string[]
  outputTopic: string
  /** Input records (over all input topics) after which the app closes and reports. */
  expectedRecords: number
  /** Kafka Streams' commit.interval.ms: 100 is its default under exactly_once_v2. */
  commitIntervalMs: number
  /** Unique per run: Kafka Streams' group, transactional ids and internal topics derive from it. */
  applicationId: string
  timeoutMs: number
  /** The KeyValueStore of keyed-count and bank: 'rocksdb' (default) or 'memory'. */
  store?: 'rocksdb' | 'memory'
  /** Store caching, on by default as in the DSL (changelog writes once per key and commit). */
  caching?: boolean
  /** Extra JVM options, e.g. ['-Xmx1g']. */
  javaOpts?: string[]
}

export interface KafkaStreamsResult {
  records: number
  elapsedMs: number
  cpuMs: number
  recordsPerSec: number
  cpuMicrosPerRecord: number
  firstRecordAt: number
  lastRecordAt: number
  /** The clean close after the last record: the last commit and the shutdown. */
  closeMs: number
  /** CPU of the whole JVM process (start-up, join, close included), from bash's `times`. */
  processCpuMs: number
  /** From spawning the JVM to its exit. */
  wallMs: number
  store: 'rocksdb' | 'memory'
  caching: boolean
}

const installScript = join(import.meta.dirname, 'kafka-streams', 'install.sh')

/** Installs (first time: fetch from Maven Central and compile; then instant) and returns the classpath dir. */
export function kafkaStreamsDir(): Promise<string> {
  return installOnce(installScript, 'the Kafka Streams peer', 30 * 60_000)
}

export async function runKafkaStreams(o: KafkaStreamsOptions): Promise<KafkaStreamsResult> {
  if (o.mode === 'bank' && o.inputTopics.length !== 2) {
    throw new Error(`kafka-streams bank: inputTopics must be [commands, credits], got ${JSON.stringify(o.inputTopics)}`)
  }
  if (o.inputTopics.length === 0) throw new Error(`kafka-streams ${o.mode}: no input topic`)
  const dir = await kafkaStreamsDir()
  const stateDir = await mkdtemp(join(tmpdir(), 'exactly-bench-kstreams-'))
  const store = o.store ?? 'rocksdb'
  const caching = o.caching ?? true
  try {
    const what = `kafka-streams ${o.mode} (${o.guarantee}, ${store}${caching ? '' : ', no cache'}, ${o.applicationId})`
    const result = await runJava({
      what,
      classpath: `${dir}/*:${dir}/libs/*`,
      mainClass: 'dev.exactly.bench.BenchApp',
      args: [
        o.mode,
        `--bootstrap=${o.bootstrap}`,
        `--input=${o.inputTopics.join(',')}`,
        `--output=${o.outputTopic}`,
        `--expected=${o.expectedRecords}`,
        `--application-id=${o.applicationId}`,
        `--state-dir=${stateDir}`,
        `--guarantee=${o.guarantee}`,
        `--commit-interval-ms=${o.commitIntervalMs}`,
        `--store=${store}`,
        `--caching=${caching}`,
      ],
      timeoutMs: o.timeoutMs,
      ...(o.javaOpts ? { javaOpts: o.javaOpts } : {}),
    })
    const { figures, ...rates } = peerFigures(what, result, o.expectedRecords)
    return {
      records: figures.records,
      elapsedMs: figures.elapsedMs,
      cpuMs: figures.cpuMs,
      firstRecordAt: figures.firstRecordAt,
      lastRecordAt: figures.lastRecordAt,
      closeMs: figures.closeMs,
      ...rates,
      store,
      caching,
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true })
  }
}
