/** The worker's Prometheus metrics (prom-client), one registry per worker, labelled by job and slot. */
import { Counter, Gauge, Histogram, Registry } from './prom-client-core.ts'

export interface WorkerMetrics {
  registry: Registry
  recordsIn: Counter
  recordsOut: Counter
  deadLetters: Counter
  timersFired: Counter
  stateExpired: Counter
  recordsDropped: Counter<'reason'>
  watermark: Gauge<'partition'>
  checkpointDuration: Histogram
  checkpointBytes: Gauge
  stateBytes: Gauge
  taskSnapshots: Counter<'kind'>
  checkpointFailures: Counter
  restoreDuration: Gauge
  commitLatency: Histogram
  transactionsExpired: Counter
  hangingTransactionsClosed: Counter<'outcome'>
  partitionLag: Gauge<'topic' | 'partition'>
  ownOutputWait: Counter
}

export function createWorkerMetrics(labels: { job: string; namespace: string; slot: number }): WorkerMetrics {
  const registry = new Registry()
  registry.setDefaultLabels({ job: labels.job, namespace: labels.namespace, slot: String(labels.slot) })
  const registers = [registry]
  return {
    registry,
    recordsIn: new Counter({ name: 'exactly_records_in_total', help: 'Source records processed', registers }),
    recordsOut: new Counter({
      name: 'exactly_records_out_total',
      help: 'Records written into transactions',
      registers,
    }),
    deadLetters: new Counter({
      name: 'exactly_dead_letters_total',
      help: 'Records sent to the dead-letter topic',
      registers,
    }),
    timersFired: new Counter({
      name: 'exactly_timers_fired_total',
      help: 'Event- and processing-time timers fired',
      registers,
    }),
    stateExpired: new Counter({
      name: 'exactly_state_expired_total',
      help: 'State entries deleted because their time to live ran out',
      registers,
    }),
    recordsDropped: new Counter({
      name: 'exactly_records_dropped_total',
      help: 'Records a job dropped on purpose (ctx.drop), by reason (e.g. late: after a window closed)',
      labelNames: ['reason'],
      registers,
    }),
    watermark: new Gauge({
      name: 'exactly_watermark_seconds',
      help: "Each task's event-time watermark, in seconds since the epoch (absent until every source partition of the task has a record)",
      labelNames: ['partition'],
      registers,
    }),
    checkpointDuration: new Histogram({
      name: 'exactly_checkpoint_duration_seconds',
      help: 'From barrier to head moved (checkpoint complete)',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    checkpointBytes: new Gauge({
      name: 'exactly_checkpoint_size_bytes',
      help: 'Bytes the last checkpoint uploaded (snapshots and deltas written by it)',
      registers,
    }),
    stateBytes: new Gauge({
      name: 'exactly_checkpoint_state_bytes',
      help: 'Stored bytes the last checkpoint names: every task chain, snapshot and deltas (what a restore reads)',
      registers,
    }),
    taskSnapshots: new Counter({
      name: 'exactly_task_snapshots_total',
      help: 'What checkpoints stored per task (kind: full, delta, rebase: a delta carrying one bucket of a spread rebase, unchanged: nothing to store)',
      labelNames: ['kind'],
      registers,
    }),
    checkpointFailures: new Counter({
      name: 'exactly_checkpoint_failures_total',
      help: 'Checkpoints that failed',
      registers,
    }),
    hangingTransactionsClosed: new Counter({
      name: 'exactly_hanging_transactions_closed_total',
      help: 'Transactions the coordinator forgot, closed by recovery with a marker (outcome: commit or abort)',
      labelNames: ['outcome'],
      registers,
    }),
    restoreDuration: new Gauge({
      name: 'exactly_restore_duration_seconds',
      help: 'Time the last restore took',
      registers,
    }),
    commitLatency: new Histogram({
      name: 'exactly_commit_latency_seconds',
      help: 'EndTxn(commit) round trip after the head moved',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    }),
    transactionsExpired: new Counter({
      name: 'exactly_transactions_expired_total',
      help: 'Pre-committed transactions the broker aborted before we could commit them (data loss alarm)',
      registers,
    }),
    ownOutputWait: new Counter({
      name: 'exactly_own_output_wait_seconds_total',
      help: 'Time the slot had nothing to read while records it wrote to its own source topics were not yet committed (read_committed makes them wait for their checkpoint)',
      registers,
    }),
    partitionLag: new Gauge({
      name: 'exactly_partition_lag_records',
      help: 'Records between the next offset and the last stable offset',
      labelNames: ['topic', 'partition'] as const,
      registers,
    }),
  }
}
