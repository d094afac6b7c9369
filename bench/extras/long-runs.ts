/**
 * Two cells side by side over runs long enough to hold several checkpoints and to be past the
 * JVM's and V8's warm-up: `--records-long` records (2,000,000 by default: about 40 s of bank
 * commands on this machine). Bank is the workload exactly-once is hardest on: its credits come
 * back through a topic it reads read_committed, so they wait for each commit. The keyed count
 * over 10^4 keys is the plain case.
 *
 * Two pairs: our exactly-once against our at-least-once with 10 s checkpoints (the throughput
 * table's runs drain their input in a few seconds, so its 10 s rows hold no periodic checkpoint),
 * and ours against Flink with 1 s checkpoints at steady state (issue 23's goal: at least Flink's
 * throughput with no more CPU per record).
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

/** Two cells compared over long runs, the first over the second. */
export interface LongPair {
  /** Prefix of the figures: `long.bank.ours.eos.10s.recordsPerSec`. */
  name: string
  title: string
  cells: readonly [string, string]
  /** The two cells as column heads. */
  heads: readonly [string, string]
  /** The ratio's name in the figures. */
  ratio: string
}

export const EOS_OVER_ALO: LongPair = {
  name: 'long',
  title: 'Exactly-once against at-least-once, 10 s checkpoints, long runs',
  cells: ['ours.eos.10s', 'ours.alo.10s'],
  heads: ['EOS 10 s', 'ALO 10 s'],
  ratio: 'oursEosOverOursAlo.10s',
}

export const OURS_OVER_FLINK: LongPair = {
  name: 'steady',
  title: 'Ours against Flink at steady state, exactly-once, 1 s checkpoints, long runs',
  cells: ['ours.eos.1s', 'flink.eos.1s'],
  heads: ['ours', 'Flink'],
  ratio: 'oursOverFlink.eos.1s',
}

export async function longRunsSection(
  bench: Bench,
  options: BenchOptions,
  say: (line: string) => void,
  pair: LongPair = EOS_OVER_ALO,
) {
  const cells = pair.cells.map((id) => CELLS.find((c) => c.id === id)!)
  const workloads = allWorkloads({ ...options, records100B: options.recordsLong }).filter((w) =>
    WORKLOADS.includes(w.id),
  )
  const figures: Figures = { [`${pair.name}.records`]: options.recordsLong, [`${pair.name}.runs`]: options.runs }
  const rows: string[] = []
  for (const workload of workloads) {
    const topic = `${bench.id}-${pair.name}-in-${inputId(workload.input)}`
    try {
      const input = await preload(bench.bootstrap, topic, workload.input)
      say(`preloaded ${workload.input.records} records for ${workload.id} in ${(input.ms / 1000).toFixed(1)} s`)
      const runs = await interleaved(bench, workload, input, cells, options.runs, say)
      rows.push(summarize(pair, workload, runs, figures))
    } finally {
      await bench.admin.deleteTopics({ topics: [topic] }).catch(() => {})
    }
  }
  const [a, b] = pair.heads
  const markdown = [
    `${options.recordsLong.toLocaleString('en-US')} records per run (bank: commands), ${options.runs} rounds, each round one run of each cell in rotated order; records/s from the first record to the output written, medians of the valid runs. "Paired" is the median over rounds of that round's ${a} / ${b}.`,
    '',
    `| workload | ${a}, rec/s | ${b}, rec/s | ratio of medians | paired ratio (each round) | CPU µs/rec ${a} / ${b} | checkpoints/run (${a}) | valid |`,
    '|---|--:|--:|--:|---|--:|--:|--:|',
    ...rows,
  ].join('\n')
  return { title: pair.title, figures, markdown } satisfies Section
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

function summarize(pair: LongPair, workload: Workload, runs: RunRecord[], figures: Figures): string {
  const valid = runs.filter((r) => r.outcome === 'valid')
  const of = (cell: string) => valid.filter((r) => r.cell === cell)
  const [first, second] = pair.cells.map(of) as [RunRecord[], RunRecord[]]
  const rate = (rs: RunRecord[]) => median(rs.map((r) => r.recordsPerSec ?? Number.NaN))
  const cpu = (rs: RunRecord[]) => median(rs.map((r) => r.cpuMicrosPerRecord ?? Number.NaN))
  const pairs = first
    .map((e) => [e, second.find((a) => a.run === e.run)] as const)
    .filter(([, a]) => a?.recordsPerSec)
    .map(([e, a]) => e.recordsPerSec! / a!.recordsPerSec!)
  const key = `${pair.name}.${workload.id}`
  const [firstRate, secondRate, paired] = [rate(first), rate(second), median(pairs)]
  const ratio = firstRate && secondRate ? firstRate / secondRate : undefined
  const [firstCpu, secondCpu] = [cpu(first), cpu(second)]
  const checkpoints = median(first.map((r) => r.extra?.checkpoints ?? Number.NaN))
  Object.assign(figures, {
    [`${key}.${pair.cells[0]}.recordsPerSec`]: round(firstRate, 0),
    [`${key}.${pair.cells[1]}.recordsPerSec`]: round(secondRate, 0),
    [`${key}.${pair.cells[0]}.cpuMicrosPerRecord`]: round(firstCpu, 1),
    [`${key}.${pair.cells[1]}.cpuMicrosPerRecord`]: round(secondCpu, 1),
    [`${key}.ratio.${pair.ratio}.recordsPerSec`]: round(ratio, 2),
    [`${key}.ratio.${pair.ratio}.pairedMedian`]: round(paired, 2),
    [`${key}.ratio.${pair.ratio}.cpuMicrosPerRecord`]: round(
      firstCpu && secondCpu ? firstCpu / secondCpu : undefined,
      2,
    ),
    [`${key}.${pair.cells[0]}.checkpoints`]: round(checkpoints, 0),
    [`${key}.validRuns`]: valid.length,
  })
  const n = (v: number | undefined, digits = 0) =>
    v === undefined ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
  return `| ${workload.id} | ${n(firstRate)} | ${n(secondRate)} | ${n(ratio, 2)} | ${n(paired, 2)} (${pairs.map((p) => p.toFixed(2)).join(', ')}) | ${n(firstCpu, 1)} / ${n(secondCpu, 1)} | ${n(checkpoints)} | ${valid.length}/${runs.length} |`
}
