/**
 * What a worker reports about itself at GET /status; the operator turns it into
 * `status.workers[]` and conditions. Plain data, versioned with the worker config.
 */

export type WorkerPhase = 'Starting' | 'Restoring' | 'Running' | 'Stopping' | 'Stopped' | 'Failed'

export interface CheckpointSummary {
  id: number
  completedAt: string
  durationMs: number
  /** Bytes this checkpoint uploaded: full snapshots, or deltas of the keys changed since the last one. */
  bytes: number
  /** Bytes of state a restore from this checkpoint reads: each task's snapshot and deltas. */
  stateBytes?: number
}

export interface WorkerAlarm {
  /** CamelCase, like condition reasons: TransactionExpired, CheckpointFailing, … */
  reason: string
  message: string
  since: string
}

export interface WorkerStatus {
  formatVersion: 1
  job: { namespace: string; name: string }
  slot: number
  generation: number
  attempt: number
  phase: WorkerPhase
  ready: boolean
  tasks: number[]
  lastCheckpoint?: CheckpointSummary
  checkpointFailures: number
  /** Failures since the last completed checkpoint; 0 when checkpoints are healthy. */
  consecutiveCheckpointFailures: number
  lastCheckpointError?: string
  /** False while a transaction this worker owns may have been lost (expired or fenced before commit). */
  transactionsClean: boolean
  alarms: WorkerAlarm[]
  recordsIn: number
  recordsOut: number
  /**
   * Records behind the last stable offset, summed over the slot's source partitions. Absent until
   * the slot's first fetch has answered: a slot that just restored does not know it yet, and a
   * 0 there would tell a caller waiting for "caught up" that it is.
   */
  lag?: number
  restoreDurationMs?: number
  /** Transactions the coordinator had forgotten that this worker's recovery closed with a marker. */
  hangingTransactionsClosed?: number
  failure?: { reason: string; message: string }
}

export function initialWorkerStatus(identity: {
  namespace: string
  name: string
  slot: number
  generation: number
  attempt: number
}): WorkerStatus {
  return {
    formatVersion: 1,
    job: { namespace: identity.namespace, name: identity.name },
    slot: identity.slot,
    generation: identity.generation,
    attempt: identity.attempt,
    phase: 'Starting',
    ready: false,
    tasks: [],
    checkpointFailures: 0,
    consecutiveCheckpointFailures: 0,
    transactionsClean: true,
    alarms: [],
    recordsIn: 0,
    recordsOut: 0,
  }
}
