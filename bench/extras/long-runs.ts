/**
 * Exactly-once against at-least-once over runs long enough to hold several 10 s checkpoints.
 * The throughput table's runs drain their input in a few seconds, so its 10 s rows hold no
 * periodic checkpoint at all; these runs read `--records-long` records (2,000,000 by default:
 * about 40 s of bank commands on this machine, 4 checkpoints). Bank is the workload exactly-once
 * is hardest on: its credits come back through a topic it reads read_committed, so they wait for
 * each commit. The keyed count over 10^4 keys is the plain case.
 *
 * Same cells, same interleaving and the same output check as the table; the ratio is given
 * twice, as the ratio of the medians and as the median of each round's own pair (the two runs
 * of a round ran back to back, so a slow phase of the machine weighs on both).
 */
import { CELLS, type Cell } from '../cells.ts'
import type { BenchOptions } from '../options.ts'
import { type PreloadedInput, preload } from '../preload.ts'
import { type Figures, median, round, type Section } from '../report.ts'
import { type Bench, type RunRecord, runCell } from '../run-cell.ts'
import { allWorkloads, inputId, type Workload } from '../workloads.ts'

const WORKLOADS = ['bank', 'keyedCount.1e4.100B']
const PAIR = ['ours.eos.10s', 'ours.alo.10s'] as const

export async function longRunsSection(bench: Bench, options: BenchOptions, say: (line: string) => void) {
  const cells = PAIR.map((id) => CELLS.find((c) => c.id === id)!)
  const workloads = allWorkloads({ ...options, records100B: options.recordsLong }).filter((w) =>
    WORKLOADS.includes(w.id),
  )
  const figures: Figures = { 'long.records': options.recordsLong, 'long.runs': options.runs }
  const rows: string[] = []
  for (const workload of workloads) {
    const topic = `${bench.id}-long-in-${inputId(workload.input)}`
    try {
      const input = await preload(bench.bootstrap, topic, workload.input)
      say(`preloaded ${workload.input.records} records for ${workload.id} in ${(input.ms / 1000).toFixed(1)} s`)
      const runs = await interleaved(bench, workload, input, cells, options.runs, say)
      rows.push(summarize(workload, runs, figures))
    } finally {
      await bench.admin.deleteTopics({ topics: [topic] }).catch(() => {})
    }
  }
  const markdown = [
    `${options.recordsLong.toLocaleString('en-US')} records per run (bank: commands), ${options.runs} rounds, each round one run of each cell in rotated order; records/s from the first record to the output written, medians of the valid runs. "Paired" is the median over rounds of that round's exactly-once / at-least-once.`,
    '',
    '| workload | EOS 10 s, rec/s | ALO 10 s, rec/s | ratio of medians | paired ratio (each round) | CPU µs/rec EOS / ALO | checkpoints/run | valid |',
    '|---|--:|--:|--:|---|--:|--:|--:|',
    ...rows,
  ].join('\n')
  return {
    title: 'Exactly-once against at-least-once, 10 s checkpoints, long runs',
    figures,
    markdown,
  } satisfies Section
}

async function interleaved(
  bench: Bench,
  workload: Workload,
  input: PreloadedInput,
  cells: Cell[],
  rounds: number,
  say: (line: string) => void,
): Promise<RunRecord[]> {
  const runs: RunRecord[] = []
  for (let run = 1; run <= rounds; run++) {
    for (const cell of cells.map((_, i) => cells[(i + run - 1) % cells.length]!)) {
      const record = await runCell(bench, cell, workload, input, run)
      runs.push(record)
      const speed = record.recordsPerSec ? `${Math.round(record.recordsPerSec).toLocaleString('en-US')} rec/s` : ''
      say(`[long ${run}/${rounds}] ${workload.id} ${cell.id}: ${speed} ${record.outcome.toUpperCase()}`)
    }
  }
  return runs
}

function summarize(workload: Workload, runs: RunRecord[], figures: Figures): string {
  const valid = runs.filter((r) => r.outcome === 'valid')
  const of = (cell: string) => valid.filter((r) => r.cell === cell)
  const [eos, alo] = PAIR.map(of) as [RunRecord[], RunRecord[]]
  const rate = (rs: RunRecord[]) => median(rs.map((r) => r.recordsPerSec ?? Number.NaN))
  const cpu = (rs: RunRecord[]) => median(rs.map((r) => r.cpuMicrosPerRecord ?? Number.NaN))
  const pairs = eos
    .map((e) => [e, alo.find((a) => a.run === e.run)] as const)
    .filter(([, a]) => a?.recordsPerSec)
    .map(([e, a]) => e.recordsPerSec! / a!.recordsPerSec!)
  const key = `long.${workload.id}`
  const [eosRate, aloRate, paired] = [rate(eos), rate(alo), median(pairs)]
  const ratio = eosRate && aloRate ? eosRate / aloRate : undefined
  const checkpoints = median(eos.map((r) => r.extra?.checkpoints ?? Number.NaN))
  Object.assign(figures, {
    [`${key}.ours.eos.10s.recordsPerSec`]: round(eosRate, 0),
    [`${key}.ours.alo.10s.recordsPerSec`]: round(aloRate, 0),
    [`${key}.ours.eos.10s.cpuMicrosPerRecord`]: round(cpu(eos), 1),
    [`${key}.ours.alo.10s.cpuMicrosPerRecord`]: round(cpu(alo), 1),
    [`${key}.ratio.oursEosOverOursAlo.10s.recordsPerSec`]: round(ratio, 2),
    [`${key}.ratio.oursEosOverOursAlo.10s.pairedMedian`]: round(paired, 2),
    [`${key}.ours.eos.10s.checkpoints`]: round(checkpoints, 0),
    [`${key}.validRuns`]: valid.length,
  })
  const n = (v: number | undefined, digits = 0) =>
    v === undefined ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
  return `| ${workload.id} | ${n(eosRate)} | ${n(aloRate)} | ${n(ratio, 2)} | ${n(paired, 2)} (${pairs.map((p) => p.toFixed(2)).join(', ')}) | ${n(cpu(eos), 1)} / ${n(cpu(alo), 1)} | ${n(checkpoints)} | ${valid.length}/${runs.length} |`
}
