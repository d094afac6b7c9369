/**
 * How a slot's failures are named and retried: the error a checkpoint past its timeout raises,
 * the `status.failure.reason` each error code maps to (what the operator and `kubectl` show), and
 * the capped-backoff retry the checkpoint's store and commit steps use.
 */
import type { WorkerStatus } from '../../contract/worker-status.ts'
import type { ProducerIdentity } from '../kafka/kafka-client.ts'
import type { SlotDeps } from './slot-deps.ts'

export class CheckpointTimeoutError extends Error {
  override name = 'CheckpointTimeoutError'
  readonly code = 'EXACTLY_CHECKPOINT_TIMEOUT'
}

export function reasonOf(error: Error & { code?: string }): string {
  switch (error.code) {
    case 'EXACTLY_RECORD_FAILED':
      return 'RecordFailed'
    case 'EXACTLY_CHECKPOINT_TIMEOUT':
      return 'CheckpointTimeout'
    case 'EXACTLY_SUPERSEDED':
      return 'Superseded'
    case 'EXACTLY_CHECKPOINT_CORRUPT':
    case 'EXACTLY_SNAPSHOT_CORRUPT':
      return 'CheckpointCorrupt'
    case 'EXACTLY_RESTORE_MISMATCH':
      return 'RestoreMismatch'
    case 'EXACTLY_KAFKA_UNKNOWN_TOPIC':
      return 'UnknownTopic'
    case 'EXACTLY_KAFKA_UNAVAILABLE':
      return 'KafkaUnavailable'
    case 'EXACTLY_KAFKA_AUTHENTICATION':
      return 'KafkaAuthenticationFailed'
    case 'EXACTLY_KAFKA_ACCESS_DENIED':
      return 'KafkaAccessDenied'
    case 'EXACTLY_STORAGE_UNAVAILABLE':
      return 'StorageUnavailable'
    case 'EXACTLY_KAFKA_PRODUCER_FENCED':
      return 'ProducerFenced'
    default:
      return 'WorkerError'
  }
}

/** Retries `action` with capped backoff until it succeeds, `giveUp()` says stop, or `isFatal` matches. */
export async function retryUntil<T>(
  action: () => Promise<T>,
  giveUp: () => boolean,
  onError: (error: unknown) => void,
  isFatal: (error: unknown) => boolean = () => false,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await action()
    } catch (error) {
      if (isFatal(error) || giveUp()) throw error
      onError(error)
      await sleep(Math.min(2000, 100 * 2 ** attempt))
      if (giveUp()) throw error
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** A failed try to store checkpoint k: counted in status and metrics, logged; the store retries. */
export function recordCheckpointFailure(
  status: WorkerStatus,
  deps: Pick<SlotDeps, 'metrics' | 'log'>,
  k: number,
  error: unknown,
): void {
  status.checkpointFailures++
  status.consecutiveCheckpointFailures++
  status.lastCheckpointError = String((error as Error).message ?? error)
  deps.metrics.checkpointFailures.inc()
  deps.log.warn({ checkpointId: k, error: status.lastCheckpointError }, 'storing the checkpoint failed, retrying')
}

/** The broker aborted T(k) before it was committed: an alarm, a metric and an error log, never silence. */
export function raiseExpired(
  status: WorkerStatus,
  deps: Pick<SlotDeps, 'metrics' | 'log'>,
  now: Date,
  lost: { k: number; committable: ProducerIdentity; errorType: string },
): void {
  const { k, committable, errorType } = lost
  const message = `Transaction "${committable.transactionalId}" of checkpoint ${k} was aborted by the broker before it could be committed (${errorType}): its output is lost; raise kafka.transactionTimeout`
  status.transactionsClean = false
  status.alarms.push({ reason: 'TransactionExpired', message, since: now.toISOString() })
  deps.metrics.transactionsExpired.inc()
  deps.log.error({ checkpointId: k, transactionalId: committable.transactionalId }, message)
}

/**
 * SupersededError if a newer attempt owns the slot. Best effort otherwise: with S3 down the
 * check cannot be made, and processing must go on (the head CAS still stops a zombie).
 */
export async function assertOwnerIfKnown(deps: Pick<SlotDeps, 'storage' | 'log'>): Promise<void> {
  try {
    await deps.storage.assertOwner()
  } catch (error) {
    if ((error as { code?: string }).code === 'EXACTLY_SUPERSEDED') throw error
    deps.log.warn({ error: String(error) }, 'cannot check who owns the slot head; going on')
  }
}
