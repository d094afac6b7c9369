/** The operator's Prometheus metrics (prom-client), served at /metrics. */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export interface OperatorMetrics {
  registry: Registry
  restarts: Counter<'namespace' | 'job'>
  recoveries: Counter
  /** Pre-committed transactions `exactly recover` found already aborted by the broker: lost output. */
  transactionsLost: Counter<'namespace' | 'job'>
  observeReconcile(result: 'success' | 'error' | 'requeue_after' | 'terminal', seconds: number): void
  observeQueueWait(seconds: number): void
  setJobsPerPhase(counts: ReadonlyMap<string, number>): void
}

export function createOperatorMetrics(): OperatorMetrics {
  const registry = new Registry()
  const registers = [registry]
  // Process and Node.js metrics (RSS, heap, event-loop lag): what an operator's memory and
  // latency are judged by.
  collectDefaultMetrics({ register: registry })
  const reconciles = new Counter({
    name: 'exactly_operator_reconcile_total',
    help: 'Reconcile passes by result',
    labelNames: ['result'],
    registers,
  })
  const errors = new Counter({
    name: 'exactly_operator_reconcile_errors_total',
    help: 'Reconcile passes that failed',
    registers,
  })
  const duration = new Histogram({
    name: 'exactly_operator_reconcile_duration_seconds',
    help: 'Time per reconcile pass, from reading the job to its last write (queue wait apart)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  })
  // Apart from the pass: a key waiting behind others is load on the operator (or the API server),
  // not a slow pass.
  const queueWait = new Histogram({
    name: 'exactly_operator_queue_wait_seconds',
    help: 'Time a StreamJob key waited in the work queue before its reconcile pass started',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  })
  const jobs = new Gauge({
    name: 'exactly_operator_jobs',
    help: 'StreamJobs by phase',
    labelNames: ['phase'],
    registers,
  })
  const seen = new Set<string>()
  return {
    registry,
    restarts: new Counter({
      name: 'exactly_operator_worker_restarts_total',
      help: 'Worker pods replaced after a failure (disruptions are not failures), by StreamJob',
      labelNames: ['namespace', 'job'],
      registers,
    }),
    transactionsLost: new Counter({
      name: 'exactly_operator_transactions_lost_total',
      help: 'Pre-committed transactions exactly recover found the broker had already aborted (their output is lost), by StreamJob',
      labelNames: ['namespace', 'job'],
      registers,
    }),
    recoveries: new Counter({
      name: 'exactly_operator_recoveries_total',
      help: 'exactly recover pods started (layout changes, suspends, deletions)',
      registers,
    }),
    observeReconcile(result, seconds) {
      reconciles.inc({ result })
      if (result === 'error' || result === 'terminal') errors.inc()
      duration.observe(seconds)
    },
    observeQueueWait(seconds) {
      queueWait.observe(seconds)
    },
    setJobsPerPhase(counts) {
      for (const phase of seen) if (!counts.has(phase)) jobs.set({ phase }, 0)
      for (const [phase, n] of counts) {
        seen.add(phase)
        jobs.set({ phase }, n)
      }
    },
  }
}
