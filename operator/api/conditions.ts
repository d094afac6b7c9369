/**
 * StreamJob condition types and reasons (DESIGN section 2), and the one rule for updating them:
 * apimachinery's meta.SetStatusCondition, where lastTransitionTime moves only when status flips,
 * so "Ready=False since 10:02" keeps meaning what it says across reconciles. Pure.
 */
import type { Condition } from './streamjob-types.ts'

export const ConditionType = {
  /** All workers of the current generation run, restored and checkpointing. */
  Ready: 'Ready',
  /** The operator is moving the job toward its spec (starting, recovering, upgrading, suspending). */
  Progressing: 'Progressing',
  /** Something failed: a worker restarts, or the job gave up. */
  Degraded: 'Degraded',
  /** Checkpoints complete within checkpoint.timeout. */
  CheckpointHealthy: 'CheckpointHealthy',
  /** No transaction the job owns may have been lost (expired or fenced before commit). */
  TransactionsClean: 'TransactionsClean',
  /** The exactly.dev/pause-reconciliation annotation stops the operator from acting. */
  ReconciliationPaused: 'ReconciliationPaused',
} as const
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType]

/** CamelCase reasons; alerts match on them, so renaming one is a breaking change. */
export const ConditionReason = {
  WorkersReady: 'WorkersReady',
  WorkersNotReady: 'WorkersNotReady',
  Starting: 'Starting',
  Recovering: 'Recovering',
  Upgrading: 'Upgrading',
  Suspending: 'Suspending',
  Suspended: 'Suspended',
  Reconciled: 'Reconciled',
  WorkerFailed: 'WorkerFailed',
  RestartLimitExceeded: 'RestartLimitExceeded',
  InvalidSpec: 'InvalidSpec',
  NoFailures: 'NoFailures',
  CheckpointsCompleting: 'CheckpointsCompleting',
  CheckpointFailing: 'CheckpointFailing',
  NoCheckpointYet: 'NoCheckpointYet',
  TransactionsCommitted: 'TransactionsCommitted',
  TransactionExpired: 'TransactionExpired',
  /** Recovery could not look for or close hanging transactions: the job lacks an ACL (docs/kafka-security.md). */
  HangingTransactionsUnchecked: 'HangingTransactionsUnchecked',
  /** A worker sees a transaction (not the job's) held open on a partition it writes or reads past the transaction timeout. */
  HangingTransaction: 'HangingTransaction',
  ProducerFenced: 'ProducerFenced',
  /** A worker answered GET /status with something the operator cannot use; it counts as not answering. */
  WorkerStatusInvalid: 'WorkerStatusInvalid',
  /** A pod of the job cannot start: no node can hold it, its image is missing, or its container config is wrong. */
  PodUnschedulable: 'PodUnschedulable',
  ImageUnavailable: 'ImageUnavailable',
  ContainerConfigInvalid: 'ContainerConfigInvalid',
  /** A Secret or key that spec.kafka.tls or spec.kafka.authentication names does not exist. */
  KafkaSecretMissing: 'KafkaSecretMissing',
  PausedByAnnotation: 'PausedByAnnotation',
  NotPaused: 'NotPaused',
} as const
export type ConditionReason = (typeof ConditionReason)[keyof typeof ConditionReason]

/** A condition to set; lastTransitionTime is filled in from `now` when the status flips. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'> & { lastTransitionTime?: string }

/**
 * metav1.Time has second precision: a timestamp with milliseconds would come back from the API
 * server truncated and make every status comparison see a change.
 */
export function toConditionTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function findCondition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type)
}

/**
 * `list` with `update` applied: added if its type is new; otherwise status, reason, message and
 * observedGeneration replaced, lastTransitionTime kept unless status changed. Returns `list`
 * itself when nothing changed, so callers can skip a status write by identity.
 */
export function setCondition(list: readonly Condition[], update: ConditionUpdate, now: Date): readonly Condition[] {
  const index = list.findIndex((c) => c.type === update.type)
  const existing = list[index]
  const transitioned = existing === undefined || existing.status !== update.status
  const lastTransitionTime = transitioned
    ? (update.lastTransitionTime ?? toConditionTime(now))
    : existing.lastTransitionTime
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: update.message,
    lastTransitionTime,
    ...(update.observedGeneration === undefined ? {} : { observedGeneration: update.observedGeneration }),
  }
  if (existing === undefined) return [...list, next]
  if (sameCondition(existing, next)) return list
  return list.map((c, i) => (i === index ? next : c))
}

function sameCondition(a: Condition, b: Condition): boolean {
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.lastTransitionTime === b.lastTransitionTime &&
    a.observedGeneration === b.observedGeneration
  )
}
