/**
 * How a slot's failures are named and retried: the error a checkpoint past its timeout raises,
 * the `status.failure.reason` each error code maps to (what the operator and `kubectl` show), and
 * the capped-backoff retry the checkpoint's store and commit steps use.
 */

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
