/**
 * The broker's ceiling: Kafka's own perf tools (kafka-tools 4.3.1, installed by
 * kafka-tools-install.sh) against the same broker. `runProducerPerf` is
 * org.apache.kafka.tools.ProducerPerformance (kafka-producer-perf-test), `runConsumerPerf` is
 * org.apache.kafka.tools.ConsumerPerformance (kafka-consumer-perf-test); the figures are parsed
 * from their output.
 *
 * CPU time is the whole tool process's (user + system, JVM start-up and JIT included; bash's
 * `times` after the JVM exits, see java.ts). With a few hundred thousand records the start-up is a
 * visible part of it: compare CPU per record at equal record counts only.
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { installOnce } from '../../stack/components.ts'
import { runJava } from './java.ts'

const installScript = join(import.meta.dirname, 'kafka-tools-install.sh')

/** Installs kafka-tools once (Maven Central, then cached) and returns the directory of its jars. */
export function kafkaToolsDir(): Promise<string> {
  return installOnce(installScript, "Kafka's perf tools", 30 * 60_000)
}

/** The arguments both tools take first: the broker, the topic and how many records. */
function toolTarget(o: { bootstrap: string; topic: string; records: number }): string[] {
  return ['--bootstrap-server', o.bootstrap, '--topic', o.topic, '--num-records', String(o.records)]
}

export interface ProducerPerfOptions {
  bootstrap: string
  topic: string
  records: number
  recordSize: number
  /** The producer's acks: 'all' by default (what a transactional or idempotent producer needs). */
  acks?: 'all' | '1' | '0'
  /** Produce in transactions, each committed after `transactionDurationMs`. */
  transactional?: boolean
  /** --transaction-duration-ms: 100 by default here (Kafka Streams' EOS commit interval); the tool's own is 3000. */
  transactionDurationMs?: number
  /** Extra producer properties, e.g. { 'linger.ms': '5', 'compression.type': 'lz4' }. */
  producerProps?: Record<string, string>
  timeoutMs?: number
}

export interface ProducerPerfResult {
  records: number
  recordsPerSec: number
  mbPerSec: number
  avgLatencyMs: number
  maxLatencyMs: number
  p50LatencyMs: number
  p99LatencyMs: number
  /** CPU of the whole tool process, JVM start-up included. */
  cpuMs: number
  cpuMicrosPerRecord: number
  wallMs: number
}

export async function runProducerPerf(o: ProducerPerfOptions): Promise<ProducerPerfResult> {
  const dir = await kafkaToolsDir()
  const props = { acks: o.acks ?? 'all', ...o.producerProps }
  const args = [
    ...toolTarget(o),
    '--record-size',
    String(o.recordSize),
    '--throughput',
    '-1',
    '--command-property',
    ...Object.entries(props).map(([k, v]) => `${k}=${v}`),
  ]
  if (o.transactional) {
    args.push('--transactional-id', `bench-perf-${randomUUID()}`)
    args.push('--transaction-duration-ms', String(o.transactionDurationMs ?? 100))
  }
  const what = `kafka-producer-perf-test (${o.records} × ${o.recordSize} B to ${o.topic}, acks=${props.acks}${o.transactional ? ', transactional' : ''})`
  const run = await runJava({
    what,
    classpath: `${dir}/*`,
    mainClass: 'org.apache.kafka.tools.ProducerPerformance',
    args,
    timeoutMs: o.timeoutMs ?? 10 * 60_000,
  })
  // The last summary line (progress lines lack the percentiles):
  // 200000 records sent, 29577.04 records/sec (2.82 MB/sec), 435.13 ms avg latency, 913.00 ms max
  // latency, 455 ms 50th, 808 ms 95th, 869 ms 99th, 911 ms 99.9th.
  const summary = run.stdout
    .split('\n')
    .findLast((l) => / records sent, .* 50th, .* 99th/.test(l))
    ?.match(
      /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/,
    )
  if (!summary)
    throw new Error(`${what}: no summary line in its output:\n${run.stdout.slice(-2000)}\n${run.stderrTail}`)
  const n = (i: number) => Number(summary[i])
  const sent = n(1)
  if (sent < o.records) throw new Error(`${what}: only ${sent} of ${o.records} records were sent`)
  return {
    records: sent,
    recordsPerSec: n(2),
    mbPerSec: n(3),
    avgLatencyMs: n(4),
    maxLatencyMs: n(5),
    p50LatencyMs: n(6),
    p99LatencyMs: n(7),
    cpuMs: run.processCpuMs,
    cpuMicrosPerRecord: (run.processCpuMs * 1000) / sent,
    wallMs: run.wallMs,
  }
}

export interface ConsumerPerfOptions {
  bootstrap: string
  topic: string
  records: number
  /** The consumer's isolation.level; the tool's default is read_uncommitted. */
  isolation?: 'read_committed' | 'read_uncommitted'
  /** The consumer group (it commits no offsets, but the group stays on the broker); unique by default. */
  group?: string
  timeoutMs?: number
}

export interface ConsumerPerfResult {
  records: number
  /** Records per second while fetching (nMsg.sec without the group join: `fetch.nMsg.sec`). */
  recordsPerSec: number
  mbPerSec: number
  /** The same over the whole run, the group join (`rebalance.time.ms`) included. */
  recordsPerSecWithJoin: number
  mbPerSecWithJoin: number
  rebalanceMs: number
  fetchMs: number
  /** CPU of the whole tool process, JVM start-up included. */
  cpuMs: number
  cpuMicrosPerRecord: number
  wallMs: number
}

export async function runConsumerPerf(o: ConsumerPerfOptions): Promise<ConsumerPerfResult> {
  const dir = await kafkaToolsDir()
  const what = `kafka-consumer-perf-test (${o.records} records from ${o.topic}, ${o.isolation ?? 'read_uncommitted'})`
  const run = await runJava({
    what,
    classpath: `${dir}/*`,
    mainClass: 'org.apache.kafka.tools.ConsumerPerformance',
    args: [
      ...toolTarget(o),
      '--group',
      o.group ?? `bench-perf-${randomUUID()}`,
      '--command-property',
      `isolation.level=${o.isolation ?? 'read_uncommitted'}`,
    ],
    timeoutMs: o.timeoutMs ?? 10 * 60_000,
  })
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
  // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec — then one line of values.
  const lines = run.stdout.split('\n').map((l) => l.trim())
  const headerAt = lines.findIndex((l) => l.startsWith('start.time,'))
  const header = lines[headerAt]?.split(/,\s*/)
  const values = lines[headerAt + 1]?.split(/,\s*/)
  if (headerAt < 0 || !header || !values || values.length !== header.length) {
    throw new Error(`${what}: no result table in its output:\n${run.stdout.slice(-2000)}\n${run.stderrTail}`)
  }
  const field = (name: string): number => {
    const value = Number(values[header.indexOf(name)])
    if (!Number.isFinite(value)) throw new Error(`${what}: no number for ${name} in:\n${lines[headerAt + 1]}`)
    return value
  }
  const consumed = field('data.consumed.in.nMsg')
  if (consumed < o.records) {
    throw new Error(`${what}: consumed only ${consumed} of ${o.records} records before its 10 s idle timeout`)
  }
  return {
    records: consumed,
    recordsPerSec: field('fetch.nMsg.sec'),
    mbPerSec: field('fetch.MB.sec'),
    recordsPerSecWithJoin: field('nMsg.sec'),
    mbPerSecWithJoin: field('MB.sec'),
    rebalanceMs: field('rebalance.time.ms'),
    fetchMs: field('fetch.time.ms'),
    cpuMs: run.processCpuMs,
    cpuMicrosPerRecord: (run.processCpuMs * 1000) / consumed,
    wallMs: run.wallMs,
  }
}
