/**
 * The matrix: which system runs in which mode on which workload. A cell is one (system, mode);
 * its id is the middle of every figure's key (`<workload>.<cell>.<figure>`, e.g.
 * `keyedCount.1e4.100B.ours.eos.1s.recordsPerSec`). The default set is the part of the full
 * matrix that fits about half an hour on two cores (the extras add a quarter of an hour more): every system's main mode on the default
 * workloads (Kafka Streams and Flink on the two main ones, bank and the windowed count), and the
 * second modes (10 s checkpoints, at-least-once baselines) on the two main workloads. `--full` runs
 * all of it.
 */
import { runConsumerCeiling, runProducerCeiling } from './systems/broker.ts'
import { runFlink } from './systems/flink.ts'
import { runKafkaStreams } from './systems/kafka-streams.ts'
import { runOurs } from './systems/ours.ts'
import { runRawKafkajs } from './systems/raw-kafkajs.ts'
import type { RunContext, SystemRun } from './systems/system.ts'
import type { Workload } from './workloads.ts'

export type SystemId = 'ours' | 'rawKafkajs' | 'kafkaStreams' | 'flink' | 'broker'

export interface Cell {
  /** e.g. `ours.eos.1s`, `rawKafkajs.txn.1s`, `kafkaStreams.eos.1s`, `flink.eos.1s`, `broker.producerPerf`. */
  id: string
  system: SystemId
  /** What the row says in the report. */
  label: string
  run(ctx: RunContext): Promise<SystemRun>
  /** Whether the run's output is checked (the broker's consumer writes none; its producer writes random bytes). */
  checked: boolean
  /** Bank needs the credits topic; raw kafkajs has no bank loop. */
  appliesTo(workload: Workload): boolean
  /** In the default set for this workload (the rest run with --full). */
  byDefault(workload: Workload): boolean
}

const any = () => true
const mainWorkloads = new Set(['passthrough.100B', 'keyedCount.1e4.100B'])
/** Raw kafkajs has a passthrough and a keyed count loop, nothing else. */
const rawLoop = (w: Workload) => w.job === 'passthrough' || w.job === 'keyedCount'

export const CELLS: Cell[] = [
  ours('eos', 1000, any),
  ours('alo', 1000, any),
  ours('eos', 10_000, (w) => mainWorkloads.has(w.id)),
  ours('alo', 10_000, (w) => mainWorkloads.has(w.id)),
  ours('eos', 1000, (w) => mainWorkloads.has(w.id), true),
  {
    id: 'rawKafkajs.alo',
    system: 'rawKafkajs',
    label: 'raw kafkajs, at-least-once (offsets committed every 1 s)',
    run: (ctx) => runRawKafkajs(ctx, { mode: 'at-least-once', commitIntervalMs: 1000 }),
    checked: true,
    appliesTo: rawLoop,
    byDefault: (w) => mainWorkloads.has(w.id),
  },
  {
    id: 'rawKafkajs.txn.1s',
    system: 'rawKafkajs',
    label: 'raw kafkajs, transactional (a transaction per 1 s)',
    run: (ctx) => runRawKafkajs(ctx, { mode: 'transactional', commitIntervalMs: 1000 }),
    checked: true,
    appliesTo: rawLoop,
    byDefault: any,
  },
  {
    id: 'kafkaStreams.eos.1s',
    system: 'kafkaStreams',
    label: 'Kafka Streams, exactly_once_v2 (commit.interval.ms 1000)',
    run: (ctx) => runKafkaStreams(ctx, { guarantee: 'exactly_once_v2', commitIntervalMs: 1000 }),
    checked: true,
    appliesTo: any,
    // Slowest here (RocksDB at 10^6 keys: minutes per round), so the two main workloads and bank.
    byDefault: (w) => mainWorkloads.has(w.id) || w.job === 'bank' || w.job === 'windowedCount',
  },
  {
    id: 'kafkaStreams.alo.1s',
    system: 'kafkaStreams',
    label: 'Kafka Streams, at_least_once (commit.interval.ms 1000)',
    run: (ctx) => runKafkaStreams(ctx, { guarantee: 'at_least_once', commitIntervalMs: 1000 }),
    checked: true,
    appliesTo: any,
    byDefault: () => false,
  },
  // As Kafka Streams: the two main workloads, bank and the windowed count by default.
  flink('hashmap', 1, (w) => mainWorkloads.has(w.id) || w.job === 'bank' || w.job === 'windowedCount'),
  flink('rocksdb', 1, () => false),
  flink('hashmap', 2, () => false),
]

/**
 * Flink, exactly-once with 1 s checkpoints: `flink.eos.1s` (HashMap state, parallelism 1, what
 * compares with ours on one slot), `.rocksdb`, `.p2` (parallelism 2: two slots on the two cores).
 */
function flink(state: 'hashmap' | 'rocksdb', parallelism: number, byDefault: (w: Workload) => boolean): Cell {
  const suffix = `${state === 'rocksdb' ? '.rocksdb' : ''}${parallelism > 1 ? `.p${parallelism}` : ''}`
  const stateLabel = state === 'rocksdb' ? 'RocksDB state (incremental checkpoints)' : 'HashMap state'
  return {
    id: `flink.eos.1s${suffix}`,
    system: 'flink',
    label: `Flink 2.2, exactly-once (checkpoint every 1 s), ${stateLabel}, parallelism ${parallelism}`,
    run: (ctx) => runFlink(ctx, { guarantee: 'exactly_once', checkpointIntervalMs: 1000, state, parallelism }),
    checked: true,
    appliesTo: any,
    byDefault,
  }
}

function ours(mode: 'eos' | 'alo', intervalMs: number, byDefault: (w: Workload) => boolean, saslSsl = false): Cell {
  const seconds = `${intervalMs / 1000}s`
  const over = saslSsl ? ', over SASL_SSL (SCRAM-SHA-512, least-privilege ACLs)' : ''
  return {
    id: `ours.${mode}.${seconds}${saslSsl ? '.saslSsl' : ''}`,
    system: 'ours',
    label: `ours, ${mode === 'eos' ? 'exactly-once' : 'at-least-once'}, checkpoint every ${seconds}${over}`,
    run: (ctx) => runOurs(ctx, { delivery: mode === 'eos' ? 'exactly-once' : 'at-least-once', intervalMs, saslSsl }),
    checked: true,
    appliesTo: any,
    byDefault,
  }
}

/** The broker's ceiling: pseudo-workloads of their own, one per record size. */
export const BROKER_CELLS: Cell[] = [
  {
    id: 'broker.producerPerf',
    system: 'broker',
    label: 'Kafka producer perf test (acks=all)',
    run: runProducerCeiling,
    checked: false,
    appliesTo: (w) => w.job === 'passthrough',
    byDefault: any,
  },
  {
    id: 'broker.consumerPerf',
    system: 'broker',
    label: 'Kafka consumer perf test (read_committed)',
    run: runConsumerCeiling,
    checked: false,
    appliesTo: (w) => w.job === 'passthrough',
    byDefault: any,
  },
]

/** The cells to run on `workload`: the default ones (all with `--full`), and any named exactly in `--systems`. */
export function cellsFor(workload: Workload, options: { full: boolean; systems?: string[] }): Cell[] {
  return [...CELLS, ...BROKER_CELLS].filter(
    (cell) =>
      cell.appliesTo(workload) &&
      (options.full || cell.byDefault(workload) || options.systems?.includes(cell.id)) &&
      (!options.systems || options.systems.some((s) => cell.id === s || cell.id.startsWith(`${s}.`))),
  )
}
