/**
 * The benchmark's knobs, from argv (`--runs=3`) or the environment (`BENCH_RUNS=3`); argv wins.
 * The defaults are sized for a full `make bench` of about 45 minutes on two cores.
 */
import { parseArgs } from 'node:util'

export interface BenchOptions {
  runs: number
  records100B: number
  records1KiB: number
  /** Records per run of the long rows: 10 s checkpoints, and ours against Flink (bench/extras/long-runs.ts). */
  recordsLong: number
  /** Workload ids or prefixes (`passthrough` = both record sizes); undefined: every workload. */
  workloads?: string[]
  /** System ids (`ours`, `rawKafkajs`, `kafkaStreams`, `flink`, `broker`) or cell ids (`ours.eos.1s`); also the recovery rows. */
  systems?: string[]
  /** The whole matrix, not only the default cells. */
  full: boolean
  /** The rows after the throughput table: long, steady, latency, checkpoint, recovery, operator, time. */
  extras: string[]
  /** Give up on a run after this long. */
  timeoutMs: number
  /** Write bench/results/latest.json and docs/performance.md (off for quick subsets with --no-write). */
  write: boolean
  /** State sizes of the checkpoint rows, in MB. */
  stateMb: number[]
}

export const USAGE = `usage: node bench/run.ts [options]     (or make bench; every option also as BENCH_<NAME>)

  --runs=N             interleaved runs per cell (default 5); figures are medians
  --records=N          records per run, 100-byte values and bank commands (default 200000)
  --records-1kib=N     records per run, 1 KiB values (default 50000)
  --records-long=N     records per run of the long rows, bank and keyedCount.1e4 (default 2000000)
  --workloads=a,b      workload ids or prefixes: passthrough, keyedCount.1e4, bank, ... (default all;
                       none: no throughput cells, only the extras)
  --systems=a,b        ours, rawKafkajs, kafkaStreams, flink, broker, or cell ids like ours.eos.1s
                       (also picks the rows of the recovery extra: ours, kafkaStreams, flink)
  --full               every cell of the matrix (default: a subset, see bench/cells.ts)
  --extras=a,b         long, steady, latency, checkpoint, recovery, operator, time, or none (default: all
                       seven; steady is ours against Flink at --records-long)
  --state-mb=a,b       state sizes of the checkpoint rows (default 10,100,500)
  --timeout-s=N        give up on one run after N seconds (default 600)
  --no-write           print the figures only; leave bench/results and docs/performance.md alone
`

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' },
      records: { type: 'string' },
      'records-1kib': { type: 'string' },
      'records-long': { type: 'string' },
      workloads: { type: 'string' },
      systems: { type: 'string' },
      full: { type: 'boolean' },
      extras: { type: 'string' },
      'state-mb': { type: 'string' },
      'timeout-s': { type: 'string' },
      'no-write': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const pick = (name: keyof typeof values, envName: string): string | undefined =>
    (values[name] as string | undefined) ?? env[envName] ?? undefined
  const number = (name: keyof typeof values, envName: string, fallback: number): number => {
    const raw = pick(name, envName)
    if (raw === undefined || raw === '') return fallback
    const n = Number(raw)
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} (${envName}) must be a positive number, got "${raw}"`)
    return n
  }
  const list = (name: keyof typeof values, envName: string): string[] | undefined => {
    const raw = pick(name, envName)
    return raw
      ? raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined
  }
  const extras = list('extras', 'BENCH_EXTRAS') ?? [
    'long',
    'steady',
    'latency',
    'checkpoint',
    'recovery',
    'operator',
    'time',
  ]
  return {
    runs: number('runs', 'BENCH_RUNS', 5),
    records100B: number('records', 'BENCH_RECORDS', 200_000),
    records1KiB: number('records-1kib', 'BENCH_RECORDS_1KIB', 50_000),
    recordsLong: number('records-long', 'BENCH_RECORDS_LONG', 2_000_000),
    ...(list('workloads', 'BENCH_WORKLOADS') ? { workloads: list('workloads', 'BENCH_WORKLOADS')! } : {}),
    ...(list('systems', 'BENCH_SYSTEMS') ? { systems: list('systems', 'BENCH_SYSTEMS')! } : {}),
    full: values.full ?? env.BENCH_FULL === '1',
    extras: extras.includes('none') ? [] : extras,
    timeoutMs: number('timeout-s', 'BENCH_TIMEOUT_S', 600) * 1000,
    write: !(values['no-write'] ?? env.BENCH_NO_WRITE === '1'),
    stateMb: (list('state-mb', 'BENCH_STATE_MB') ?? ['10', '100', '500']).map(Number),
  }
}
