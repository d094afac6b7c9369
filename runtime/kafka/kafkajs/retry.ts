/**
 * The adapter's one retry loop: run `attempt` until it succeeds, a non-retriable error ends it,
 * or the deadline passes. Which errors are retriable, and what to do before the next attempt
 * (find the coordinator again, refresh metadata), is the caller's `onError`.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { KafkaUnavailableError } from '../kafka-errors.ts'
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff.ts'
import { classifyKafkaError, isExactlyError, type KafkaErrorInfo, kafkaErrorMessage } from './classify-error.ts'

/**
 * The coordinator answers CONCURRENT_TRANSACTIONS while it writes the markers of a transaction
 * that is ending (after an abort by fencing, a recovery's InitProducerId): that takes
 * milliseconds, not the 50 ms of the default first backoff, which was a quarter of a restore.
 * Java's producer retries this answer quickly too.
 */
const CONCURRENT_TRANSACTIONS_BACKOFF = { ...DEFAULT_BACKOFF, initialMs: 10 }

export interface RetryOptions {
  /** Says what the loop was trying to do, for the final error: `Cannot commit transaction "x"`. */
  action: string
  /** Epoch milliseconds after which no new attempt starts. */
  deadline: number
  /**
   * Called with each failure. Return `'retry'` to try again after a backoff (after running any
   * repair the error needs); return or throw anything else to end the loop.
   */
  onError: (info: KafkaErrorInfo, error: unknown) => Promise<'retry' | 'stop'> | 'retry' | 'stop'
  signal?: AbortSignal | undefined
}

export async function retryUntilDeadline<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let n = 0; ; n++) {
    options.signal?.throwIfAborted()
    try {
      return await attempt()
    } catch (error) {
      // Our own errors (UnknownTopicError, ProducerFencedError, …) are already decided.
      if (isExactlyError(error)) throw error
      const info = classifyKafkaError(error)
      const decision = await options.onError(info, error)
      if (decision === 'stop') throw error
      const remaining = options.deadline - Date.now()
      if (remaining <= 0) {
        throw new KafkaUnavailableError(
          `${options.action}: Kafka kept answering ${info.errorType} until the deadline (${kafkaErrorMessage(error)})`,
          { cause: error },
        )
      }
      const backoff = info.errorType === 'CONCURRENT_TRANSACTIONS' ? CONCURRENT_TRANSACTIONS_BACKOFF : DEFAULT_BACKOFF
      await sleep(backoffDelayMs(n, Math.random(), remaining, backoff), undefined, { signal: options.signal })
    }
  }
}
