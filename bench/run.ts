/**
 * `make bench`: the whole benchmark. Starts its own Kafka and S3 (or reuses the stack in
 * EXACTLY_STACK_DIR), preloads every input once, runs every cell of the matrix `runs` times
 * interleaved (run 1 of every cell, then run 2, each round in a rotated order, so a slow phase of
 * a busy machine does not fall on one system), checks every run's output, then the rows after the
 * table (latency, checkpoints, recovery, operator), and writes bench/results/latest.json and the
 * generated part of docs/performance.md. Never part of `make test`.
 *
 *   node bench/run.ts --help
 */
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { killAllNow } from '../stack/stack.ts'
import { benchStack } from './bench-stack.ts'
import { type Cell, cellsFor } from './cells.ts'
import { runExtras } from './extras/index.ts'
import { loadAverage, machine, versions } from './machine.ts'
import { type BenchOptions, parseOptions } from './options.ts'
import { type PreloadedInput, preload } from './preload.ts'
import { type Section, summarize, writeReport } from './report.ts'
import { type Bench, type RunRecord, runCell } from './run-cell.ts'
import { killAllWorkers } from './systems/our-worker.ts'
import { allWorkloads, inputId, type Workload } from './workloads.ts'

const root = join(import.meta.dirname, '..')
// kafkajs 2 prints a notice about its default partitioner on every producer; it is the one we want.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'

function selectWorkloads(options: BenchOptions): Workload[] {
  const all = allWorkloads(options)
  if (!options.workloads) return all.filter((w) => options.full || w.inDefault)
  return all.filter((w) => options.workloads!.some((p) => w.id === p || w.id.startsWith(`${p}.`)))
}

function describe(r: RunRecord): string {
  const speed =
    r.recordsPerSec !== undefined
      ? `${Math.round(r.recordsPerSec).toLocaleString('en-US')} rec/s, ${r.cpuMicrosPerRecord?.toFixed(1)} µs CPU/rec`
      : ''
  const why = r.outcome === 'valid' ? '' : ` — ${r.problems?.join('; ')}`
  const wait = r.extra?.ownOutputWaitMs ? `, ${r.extra.ownOutputWaitMs} ms waiting on its own output` : ''
  return `${speed}${wait} ${r.outcome.toUpperCase()}${why} (load ${r.loadAverage})`
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env)
  const started = Date.now()
  const loadAtStart = loadAverage()
  const { info, stop } = await benchStack(['kafka', 's3'])
  const bootstrap = info.kafka!.bootstrap
  const id = `bench-${Date.now().toString(36)}`
  const logDir = join(tmpdir(), id)
  mkdirSync(logDir, { recursive: true })
  console.log(`bench ${id}: Kafka ${bootstrap}, logs in ${logDir}`)
  const kafkajs = new Kafka({ clientId: 'exactly-bench', brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafkajs.admin()
  await admin.connect()
  const bench: Bench = { stack: info, bootstrap, kafkajs, admin, id, logDir, timeoutMs: options.timeoutMs }
  const inputs = new Map<string, PreloadedInput>()
  // Every input topic, also one whose preload failed halfway: all are deleted at the end.
  const inputTopics: string[] = []
  const runs: RunRecord[] = []
  let sections: Section[] = []
  try {
    const workloads = selectWorkloads(options)
    const plan: Array<{ workload: Workload; cells: Cell[] }> = workloads
      .map((workload) => ({ workload, cells: cellsFor(workload, options) }))
      .filter((p) => p.cells.length > 0)
    for (const { workload } of plan) {
      const key = inputId(workload.input)
      if (inputs.has(key)) continue
      inputTopics.push(`${id}-in-${key}`)
      const loaded = await preload(bootstrap, `${id}-in-${key}`, workload.input)
      const mb = (loaded.bytes / 1e6).toFixed(0)
      console.log(
        `preloaded ${workload.input.records} records (${mb} MB) for ${workload.id} in ${(loaded.ms / 1000).toFixed(1)} s`,
      )
      inputs.set(key, loaded)
    }
    const unavailable = new Set<string>()
    for (let run = 1; run <= options.runs; run++) {
      for (const { workload, cells } of plan) {
        // Rotate the order every round: no system always runs first (or right after another).
        const order = cells.map((_, i) => cells[(i + run - 1) % cells.length]!)
        for (const cell of order) {
          const key = `${workload.id}|${cell.id}`
          if (unavailable.has(key)) {
            runs.push({ run, workload: workload.id, cell: cell.id, outcome: 'unavailable', loadAverage: loadAverage() })
            continue
          }
          const record = await runCell(bench, cell, workload, inputs.get(inputId(workload.input))!, run)
          if (record.outcome === 'unavailable') unavailable.add(key)
          runs.push(record)
          console.log(`[run ${run}/${options.runs}] ${workload.id} ${cell.id}: ${describe(record)}`)
        }
      }
    }
    sections = await runExtras(bench, options, (line) => console.log(line))
  } finally {
    const existing = new Set(await admin.listTopics().catch(() => []))
    const topics = inputTopics.filter((t) => existing.has(t))
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {})
    await admin.disconnect().catch(() => {})
    killAllWorkers()
    await stop()
  }
  // Runs marked unavailable after the first attempt carry no reason; the first one does.
  const summaries = summarize(runs)
  const meta = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' '),
    machine: machine(),
    versions: await versions(),
    settings: {
      runs: options.runs,
      'records per run (100 B, bank)': options.records100B,
      'records per run (1 KiB)': options.records1KiB,
      partitions: 4,
      'our parallelism': 1,
      matrix: options.full ? 'full' : 'default',
    },
    loadAverages: { start: loadAtStart, end: loadAverage() },
    durationMin: Math.round((Date.now() - started) / 6000) / 10,
  }
  for (const s of summaries) {
    const speed = s.recordsPerSec
      ? `${Math.round(s.recordsPerSec)} rec/s, ${s.cpuMicrosPerRecord?.toFixed(1)} µs/rec`
      : '–'
    console.log(`${s.workload} ${s.cell}: ${speed} (${s.valid}/${s.runs} valid)`)
  }
  for (const section of sections) console.log(`\n## ${section.title}\n${section.markdown}`)
  if (options.write) {
    writeReport(root, meta, runs, summaries, sections)
    console.log('wrote bench/results/latest.json and docs/performance.md')
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    // Synchronous: the workers and, if this process started it, the stack's processes.
    killAllWorkers()
    killAllNow()
    process.exit(130)
  })
}

await main()
// Everything is closed; idle keep-alive sockets (the S3 client's, fetch's) would still hold the
// process for a while.
process.exit(0)
