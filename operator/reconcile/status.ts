/**
 * The conditions and summary fields of a StreamJob's status, built once per pass from the phase
 * decide() chose and what the workers report (Strimzi's StatusUtils habit: built, then written
 * once, and not written at all when nothing changed). Pure.
 */
import { truncateText, type WorkerStatus } from '../../contract/worker-status.ts'
import { ConditionReason as R, setCondition, ConditionType as T } from '../api/conditions.ts'
import type { Condition, JobPhase, StreamJobStatus } from '../api/streamjob-types.ts'
import type { BlockedPods } from './pod-blocks.ts'

export interface StatusInputs {
  phase: JobPhase
  /** A sentence for Ready=False / Progressing, e.g. "slot 1 restarts (attempt 3)". */
  detail: string
  /** Reports of the current generation's live workers. */
  reports: readonly WorkerStatus[]
  /** Live workers of the current generation whose answer was refused, in slot order (observed.ts). */
  invalidReports?: readonly InvalidReport[]
  /** Pods of the job that cannot start, and why (pod-blocks.ts). */
  blocked?: BlockedPods | undefined
  paused: boolean
  observedGeneration: number | undefined
  now: number
}

export interface InvalidReport {
  pod: string
  /** Why the answer was refused, e.g. "worker status: alarms: expected array, received undefined". */
  reason: string
}

/**
 * Degraded's message, and the Event that repeats it (Events keep 1024 characters): room for a
 * 253-character pod name, the reason cut to 400, and the fix.
 */
const INVALID_MESSAGE_MAX = 1024
const INVALID_REASON_MAX = 400

const PROGRESSING: ReadonlySet<JobPhase> = new Set([
  'Pending',
  'Starting',
  'Recovering',
  'Upgrading',
  'Suspending',
  'Deleting',
])

export function buildConditions(status: StreamJobStatus, input: StatusInputs): StreamJobStatus {
  const now = new Date(input.now)
  const og = input.observedGeneration === undefined ? {} : { observedGeneration: input.observedGeneration }
  let list: readonly Condition[] = status.conditions ?? []
  const set = (type: string, ok: boolean | 'Unknown', reason: string, message: string) => {
    list = setCondition(
      list,
      { type, status: ok === 'Unknown' ? 'Unknown' : ok ? 'True' : 'False', reason, message, ...og },
      now,
    )
  }
  const { phase, detail, reports } = input

  const ready = phase === 'Running'
  const { blocked } = input
  set(
    T.Ready,
    ready,
    ready ? R.WorkersReady : (blocked?.reason ?? readyReason(phase)),
    ready ? 'Every worker is restored and processing' : (blocked?.message ?? detail),
  )

  if (PROGRESSING.has(phase)) set(T.Progressing, true, phase, detail)
  else
    set(
      T.Progressing,
      false,
      R.Reconciled,
      phase === 'Failed' ? 'The operator gave up: see Degraded' : `The job is ${phase}`,
    )

  // A failed or restarting worker says more than a pod that cannot start, which says more than
  // one that answers badly: they go first.
  const failure = status.lastFailure
  const invalid = input.invalidReports ?? []
  if (phase === 'Failed') set(T.Degraded, true, failure?.reason ?? R.WorkerFailed, failure?.message ?? detail)
  else if (phase === 'Recovering') set(T.Degraded, true, failure?.reason ?? R.WorkerFailed, failure?.message ?? detail)
  else if (blocked) set(T.Degraded, true, blocked.reason, blocked.message)
  else if (invalid.length > 0) set(T.Degraded, true, R.WorkerStatusInvalid, invalidReportMessage(invalid))
  else set(T.Degraded, false, R.NoFailures, 'No worker is failing')

  const failing = reports.filter((r) => r.consecutiveCheckpointFailures > 0)
  if (failing.length > 0) {
    const r = failing[0]!
    set(
      T.CheckpointHealthy,
      false,
      R.CheckpointFailing,
      `Slot ${r.slot}: ${r.consecutiveCheckpointFailures} checkpoint(s) in a row failed: ${r.lastCheckpointError ?? 'unknown error'}`,
    )
  } else if (reports.some((r) => r.lastCheckpoint)) {
    set(T.CheckpointHealthy, true, R.CheckpointsCompleting, 'Checkpoints complete')
  } else if (!status.conditions?.some((c) => c.type === T.CheckpointHealthy)) {
    set(T.CheckpointHealthy, 'Unknown', R.NoCheckpointYet, 'No checkpoint has completed yet')
  }

  // Sticky: a lost transaction stays visible until a person has seen it (a new generation).
  const lost = reports.flatMap((r) => r.alarms.filter((a) => a.reason === R.TransactionExpired))
  const wasLost = status.conditions?.find(
    (c) => c.type === T.TransactionsClean && c.status === 'False' && c.reason === R.TransactionExpired,
  )
  // A hanging transaction recovery could not look for or close (an ACL the job lacks): not lost,
  // but readers may wait at it until a person grants the ACL the message names.
  const unchecked = reports.flatMap((r) => r.alarms.filter((a) => a.reason === R.HangingTransactionsUnchecked))
  // Another producer's transaction held open past the timeout (runtime/slot/hanging-watch.ts):
  // False while a worker sees it, with the partition, the producer and the command that closes it.
  const hanging = reports.flatMap((r) => r.alarms.filter((a) => a.reason === R.HangingTransaction))
  if (lost.length > 0) set(T.TransactionsClean, false, R.TransactionExpired, lost[0]!.message)
  else if (wasLost) {
    // Kept until a new generation: a person must have seen it.
  } else if (hanging.length > 0) set(T.TransactionsClean, false, R.HangingTransaction, hanging[0]!.message)
  else if (unchecked.length > 0) set(T.TransactionsClean, false, R.HangingTransactionsUnchecked, unchecked[0]!.message)
  else if (reports.length > 0 || !wasUnchecked(status))
    set(T.TransactionsClean, true, R.TransactionsCommitted, 'Every pre-committed transaction was committed')

  set(
    T.ReconciliationPaused,
    input.paused,
    input.paused ? R.PausedByAnnotation : R.NotPaused,
    input.paused
      ? 'The exactly.dev/pause-reconciliation annotation is "true": the operator changes nothing'
      : 'The operator reconciles this job',
  )

  const checkpoints = reports.flatMap((r) => (r.lastCheckpoint ? [{ ...r.lastCheckpoint, slot: r.slot }] : []))
  const oldest = checkpoints.sort((a, b) => Date.parse(a.completedAt) - Date.parse(b.completedAt))[0]
  return {
    ...status,
    phase,
    conditions: [...list],
    ...(input.observedGeneration === undefined ? {} : { observedGeneration: input.observedGeneration }),
    ...(oldest && checkpoints.length === reports.length
      ? {
          lastCheckpoint: {
            id: oldest.id,
            completedAt: oldest.completedAt,
            durationMs: oldest.durationMs,
            sizeBytes: oldest.bytes,
            ...(oldest.stateBytes === undefined ? {} : { stateBytes: oldest.stateBytes }),
            slot: oldest.slot,
          },
        }
      : {}),
  }
}

/** Names the first refused worker and its reason, counts the others, and says what to fix. */
export function invalidReportMessage(invalid: readonly InvalidReport[]): string {
  const [first] = invalid
  if (!first) return 'Every worker answers GET /status with a usable status'
  const others = invalid.length > 1 ? `; so do ${invalid.length - 1} more worker(s)` : ''
  return truncateText(
    `Worker ${first.pod} answered GET /status with a status the operator cannot use (${truncateText(first.reason, INVALID_REASON_MAX)})${others}. ` +
      'It counts as a worker that does not answer until it sends a valid one: build spec.image FROM the exactly ' +
      'image of the operator version that runs it, so both speak the same /status format',
    INVALID_MESSAGE_MAX,
  )
}

function readyReason(phase: JobPhase): string {
  switch (phase) {
    case 'Starting':
    case 'Pending':
      return R.Starting
    case 'Recovering':
      return R.Recovering
    case 'Upgrading':
      return R.Upgrading
    case 'Suspending':
      return R.Suspending
    case 'Suspended':
      return R.Suspended
    case 'Failed':
      return R.WorkerFailed
    default:
      return R.WorkersNotReady
  }
}

/** No report this pass (workers restarting) is no news: the last word on hanging transactions stands. */
function wasUnchecked(status: StreamJobStatus): boolean {
  return (
    status.conditions?.some((c) => c.type === T.TransactionsClean && c.reason === R.HangingTransactionsUnchecked) ??
    false
  )
}

/**
 * TransactionsClean as a new generation starts: False with the recover pod's words when closing
 * the last generation found output lost (kept until the next generation), else True again,
 * whatever the one before had.
 */
export function transactionsCleanAtStart(
  conditions: readonly Condition[],
  generation: number,
  lostMessage: string | undefined,
  now: number,
): Condition[] {
  const update = lostMessage
    ? { type: T.TransactionsClean, status: 'False' as const, reason: R.TransactionExpired, message: lostMessage }
    : {
        type: T.TransactionsClean,
        status: 'True' as const,
        reason: R.TransactionsCommitted,
        message: `Generation ${generation} started with every pre-committed transaction committed`,
      }
  return [...setCondition(conditions, update, new Date(now))]
}
