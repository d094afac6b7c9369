/**
 * Turns the runs into figures: medians of the valid runs per cell, the ratios the issue asks
 * for, `bench/results/latest.json` (one key per figure) and the generated part of
 * docs/performance.md (between `<!-- bench:begin -->` and `<!-- bench:end -->`; the rest of the
 * page is written by hand and left alone).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BROKER_CELLS, CELLS } from './cells.ts'
import type { Machine, Versions } from './machine.ts'
import type { RunRecord } from './run-cell.ts'

export type Figure = number | string | boolean | null
export type Figures = Record<string, Figure>

/** A part of the report after the throughput table (latency, checkpoints, recovery, operator). */
export interface Section {
  title: string
  figures: Figures
  markdown: string
}

export interface CellSummary {
  workload: string
  cell: string
  runs: number
  valid: number
  invalid: number
  failed: number
  unavailable: number
  recordsPerSec?: number
  cpuMicrosPerRecord?: number
  extra: Record<string, number>
  problems: string[]
}

export function median(values: readonly number[]): number | undefined {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (sorted.length === 0) return undefined
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function summarize(runs: readonly RunRecord[]): CellSummary[] {
  const groups = new Map<string, RunRecord[]>()
  for (const r of runs) {
    const key = `${r.workload}|${r.cell}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  return [...groups.values()].map((group) => {
    const valid = group.filter((r) => r.outcome === 'valid')
    const extraKeys = new Set(valid.flatMap((r) => Object.keys(r.extra ?? {})))
    const extra: Record<string, number> = {}
    for (const k of extraKeys) {
      const m = median(valid.map((r) => r.extra?.[k] ?? Number.NaN))
      if (m !== undefined) extra[k] = m
    }
    const rps = median(valid.map((r) => r.recordsPerSec ?? Number.NaN))
    const cpu = median(valid.map((r) => r.cpuMicrosPerRecord ?? Number.NaN))
    return {
      workload: group[0]!.workload,
      cell: group[0]!.cell,
      runs: group.length,
      valid: valid.length,
      invalid: group.filter((r) => r.outcome === 'invalid').length,
      failed: group.filter((r) => r.outcome === 'failed').length,
      unavailable: group.filter((r) => r.outcome === 'unavailable').length,
      ...(rps !== undefined ? { recordsPerSec: rps } : {}),
      ...(cpu !== undefined ? { cpuMicrosPerRecord: cpu } : {}),
      extra,
      problems: [...new Set(group.flatMap((r) => (r.problems ?? []).map((p) => `run ${r.run}: ${p}`)))].slice(0, 5),
    }
  })
}

/** Ratios of medians: throughput (> 1: the first is faster) and CPU per record (> 1: the first costs more). */
export const RATIOS = [
  {
    id: 'oursSaslSslOverPlaintext.eos',
    num: 'ours.eos.1s.saslSsl',
    den: 'ours.eos.1s',
    label: 'ours exactly-once over SASL_SSL (SCRAM-SHA-512) / the same over plaintext, 1 s checkpoints',
  },
  {
    id: 'oursEosOverOursAlo.1s',
    num: 'ours.eos.1s',
    den: 'ours.alo.1s',
    label: 'ours exactly-once / ours at-least-once, 1 s checkpoints',
  },
  {
    id: 'oursEosOverOursAlo.10s',
    num: 'ours.eos.10s',
    den: 'ours.alo.10s',
    label: 'ours exactly-once / ours at-least-once, 10 s checkpoints',
  },
  {
    id: 'oursOverRawKafkajs.alo',
    num: 'ours.alo.1s',
    den: 'rawKafkajs.alo',
    label: 'ours / raw kafkajs, at-least-once',
  },
  {
    id: 'oursOverRawKafkajs.eos',
    num: 'ours.eos.1s',
    den: 'rawKafkajs.txn.1s',
    label: 'ours exactly-once 1 s / raw kafkajs transactional 1 s',
  },
  {
    id: 'oursOverKafkaStreams.eos',
    num: 'ours.eos.1s',
    den: 'kafkaStreams.eos.1s',
    label: 'ours exactly-once 1 s / Kafka Streams exactly_once_v2',
  },
  {
    id: 'oursOverFlink.eos',
    num: 'ours.eos.1s',
    den: 'flink.eos.1s',
    label: 'ours exactly-once 1 s / Flink exactly-once 1 s (HashMap state, parallelism 1)',
  },
] as const

export function figuresOf(summaries: readonly CellSummary[]): Figures {
  const figures: Figures = {}
  const byKey = new Map(summaries.map((s) => [`${s.workload}|${s.cell}`, s]))
  for (const s of summaries) {
    const k = `${s.workload}.${s.cell}`
    if (s.unavailable > 0 && s.valid === 0) {
      figures[`${k}.status`] = `not available: ${s.problems[0]?.replace(/^run \d+: /, '') ?? ''}`
      continue
    }
    figures[`${k}.recordsPerSec`] = round(s.recordsPerSec)
    figures[`${k}.cpuMicrosPerRecord`] = round(s.cpuMicrosPerRecord, 1)
    figures[`${k}.validRuns`] = s.valid
    if (s.invalid > 0) figures[`${k}.invalidRuns`] = s.invalid
    if (s.failed > 0) figures[`${k}.failedRuns`] = s.failed
    for (const [name, value] of Object.entries(s.extra)) figures[`${k}.${name}`] = round(value, 1)
  }
  const workloads = [...new Set(summaries.map((s) => s.workload))]
  for (const w of workloads) {
    for (const ratio of RATIOS) {
      const num = byKey.get(`${w}|${ratio.num}`)
      const den = byKey.get(`${w}|${ratio.den}`)
      if (!num?.recordsPerSec || !den?.recordsPerSec) continue
      figures[`${w}.ratio.${ratio.id}.recordsPerSec`] = round(num.recordsPerSec / den.recordsPerSec, 2)
      if (num.cpuMicrosPerRecord && den.cpuMicrosPerRecord) {
        figures[`${w}.ratio.${ratio.id}.cpuMicrosPerRecord`] = round(num.cpuMicrosPerRecord / den.cpuMicrosPerRecord, 2)
      }
    }
  }
  return figures
}

export function round(value: number | undefined, digits = 0): number | null {
  if (value === undefined || !Number.isFinite(value)) return null
  const f = 10 ** digits
  return Math.round(value * f) / f
}

export interface ReportMeta {
  date: string
  machine: Machine
  versions: Versions
  settings: Record<string, string | number | boolean>
  loadAverages: { start: number; end: number }
  durationMin: number
}

const LABELS = new Map([...CELLS, ...BROKER_CELLS].map((c) => [c.id, c.label]))
const UNCHECKED = new Set([...CELLS, ...BROKER_CELLS].filter((c) => !c.checked).map((c) => c.id))

/** How each system's figures are taken: said under the table, because they are not all alike. */
const HOW = [
  '**ours**: `exactly worker` as a child process, parallelism 1 (one slot, all 4 partitions), from offset earliest on the preloaded topic. CPU from /proc (utime+stime) over the same window: from Running (restored) to the output written; a stop then takes the final checkpoint and commits. At-least-once is the worker\'s `kafka.delivery: "at-least-once"` (no transactions; offsets still checkpointed).',
  "**raw kafkajs**: the consume → produce loop anyone would write with kafkajs 2.2.4's public API, in its own process (bench/systems/raw-kafkajs-loop.ts): at-least-once = consumer group, eachBatch with 4 partitions at once, produce acks=-1, offsets committed every 1 s; transactional = one transactional producer, a transaction spanning batches for 1 s with sendOffsets, read_committed. Keyed count keeps its counts in a Map (lost on a crash: no checkpoints). CPU over the same window (its own process.cpuUsage() at the first batch, /proc at the end). kafkajs runs unpatched, including its 1 ms timer loop per connection that our adapter removes.",
  "**Kafka Streams**: bench/peers/kafka-streams (Kafka Streams 4.3.1, one stream thread, RocksDB store with caching for keyed state), commit.interval.ms 1000. Its CPU is the JVM's own process CPU over its processing window (first to last input record, all threads: JIT, GC, RocksDB included; JVM start-up excluded); the window's end is its last record processed, not its output written, so the CPU of the last producer flush may be missing.",
  "**Flink**: bench/peers/flink (Flink 2.2.1 with the Kafka connector 5.0.0-2.2, one job in a local MiniCluster in one JVM with a 1 GiB heap): KafkaSource (read_committed, from earliest) → keyBy(record key) → the job (ValueState; the windowed count with TumblingEventTimeWindows and per-partition in-order watermarks) → KafkaSink exactly-once (a transaction per checkpoint, every 1 s), HashMap state unless the row says RocksDB; passthrough is chained without keyBy. After the last input record the job is stopped with a savepoint without drain, which commits the last transaction and fires no open window. CPU as for Kafka Streams: the JVM's own process CPU from its first to its last input record, JVM start-up and job deployment excluded.",
  '**10 s checkpoints**: a run of the default size drains its backlog in a few seconds, so it holds no periodic checkpoint (see checkpoints/run): those rows show writing in transactions without checkpoint pauses, not the cost of a 10 s cycle. The cost of a 10 s cycle is in the section "Exactly-once against at-least-once, 10 s checkpoints, long runs" below (2,000,000 records per run, `--records-long`).',
  "**broker ceiling**: Kafka's own kafka-producer-perf-test (acks=all, a fresh 4-partition topic) and kafka-consumer-perf-test (read_committed, the preloaded topic); records/s as the tools report them; CPU is the whole tool JVM, start-up included; no output check.",
]
const fmt = (n: number | undefined, digits = 0) =>
  n === undefined ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

export function renderMarkdown(
  meta: ReportMeta,
  summaries: readonly CellSummary[],
  sections: readonly Section[],
): string {
  const lines: string[] = []
  lines.push(`## Throughput and CPU (\`make bench\`, generated ${meta.date})`, '')
  lines.push(
    `Machine: ${meta.machine.cpu}, ${meta.machine.cores} cores, ${meta.machine.memoryGiB} GiB, ${meta.machine.os}, kernel ${meta.machine.kernel}. ` +
      `Versions: Node ${meta.versions.node}, Kafka ${meta.versions.kafka} (one KRaft node on the same machine), kafkajs ${meta.versions.kafkajs}, ${meta.versions.java}. ` +
      `Load average ${meta.loadAverages.start} at the start, ${meta.loadAverages.end} at the end; the run took ${meta.durationMin} min.`,
    '',
    `Settings: ${Object.entries(meta.settings)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
  )
  lines.push(
    "Medians of the valid runs; runs of all cells interleaved. Every system drains the same preloaded backlog (no producer competes for the cores), so records/s is the highest rate it sustains: source records (bank: commands) over the time from the system's first input (ours: the end of its restore; raw kafkajs: its first batch, after the group join; Kafka Streams: its first record) to its whole output being in the topic (the sum of the high watermarks, sampled every 50 ms and interpolated; committed or not). CPU µs/record: CPU time of the system's own process per source record (the broker's is not in it). A run whose read_committed output fails the check (count, duplicates, per-key counts, bank invariant) is invalid and left out of the medians.",
    '',
    '| workload | system, mode | records/s | CPU µs/record | valid runs | notes |',
    '|---|---|--:|--:|--:|---|',
  )
  for (const s of summaries) {
    const label = LABELS.get(s.cell) ?? s.cell
    if (s.unavailable > 0 && s.valid === 0) {
      lines.push(`| ${s.workload} | ${label} | not available | | | ${s.problems[0]?.replace(/^run \d+: /, '') ?? ''} |`)
      continue
    }
    const notes: string[] = []
    if (s.extra.checkpoints !== undefined) notes.push(`${fmt(s.extra.checkpoints)} checkpoints/run`)
    if (s.extra.ownOutputWaitMs) notes.push(`${fmt(s.extra.ownOutputWaitMs)} ms/run waiting on its own output`)
    if (UNCHECKED.has(s.cell)) notes.push('not checked')
    if (s.invalid > 0) notes.push(`**${s.invalid} invalid**`)
    if (s.failed > 0) notes.push(`**${s.failed} failed**`)
    if (s.valid < s.runs && s.problems.length > 0) notes.push(s.problems[0]!.replaceAll('|', '/'))
    lines.push(
      `| ${s.workload} | ${label} | ${fmt(s.recordsPerSec)} | ${fmt(s.cpuMicrosPerRecord, 1)} | ${s.valid}/${s.runs} | ${notes.join('; ')} |`,
    )
  }
  lines.push('', ...HOW.map((h) => `- ${h}`))
  const figures = figuresOf(summaries)
  const ratioRows = Object.entries(figures).filter(([k]) => k.includes('.ratio.') && k.endsWith('.recordsPerSec'))
  if (ratioRows.length > 0) {
    lines.push('', '| workload | ratio | throughput | CPU per record |', '|---|---|--:|--:|')
    for (const [key, value] of ratioRows) {
      const [workload, id] = key.replace(/\.recordsPerSec$/, '').split('.ratio.') as [string, string]
      const label = RATIOS.find((r) => r.id === id)?.label ?? id
      const cpu = figures[`${workload}.ratio.${id}.cpuMicrosPerRecord`]
      lines.push(`| ${workload} | ${label} | ${value} | ${cpu ?? '–'} |`)
    }
  }
  for (const section of sections) lines.push('', `## ${section.title}`, '', section.markdown.trim())
  return lines.join('\n')
}

const BEGIN = '<!-- bench:begin -->'
const END = '<!-- bench:end -->'

/** Replaces the generated part of the page; the first time, it goes before the first `## ` section. */
export function spliceGenerated(page: string, generated: string): string {
  const block = `${BEGIN}\n${generated.trim()}\n${END}`
  const begin = page.indexOf(BEGIN)
  const end = page.indexOf(END)
  if (begin >= 0 && end > begin) return page.slice(0, begin) + block + page.slice(end + END.length)
  const firstSection = page.indexOf('\n## ')
  if (firstSection < 0) return `${page.trimEnd()}\n\n${block}\n`
  return `${page.slice(0, firstSection + 1)}${block}\n\n${page.slice(firstSection + 1)}`
}

export function writeReport(
  root: string,
  meta: ReportMeta,
  runs: readonly RunRecord[],
  summaries: readonly CellSummary[],
  sections: readonly Section[],
): void {
  const figures: Figures = { ...figuresOf(summaries) }
  for (const section of sections) Object.assign(figures, section.figures)
  const resultsDir = join(root, 'bench', 'results')
  mkdirSync(resultsDir, { recursive: true })
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify({ ...meta, figures, runs }, null, 2)}\n`)
  const page = join(root, 'docs', 'performance.md')
  const current = existsSync(page) ? readFileSync(page, 'utf8') : '# Performance\n'
  writeFileSync(page, spliceGenerated(current, renderMarkdown(meta, summaries, sections)))
}
