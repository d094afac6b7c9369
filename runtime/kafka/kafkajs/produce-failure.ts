/**
 * What a failed Produce request means for the batches it carried. Pure: the error, when they
 * first failed and the time now in, one outcome out. A duplicate is an acknowledgement (the
 * broker already has the batch); fenced and invalid state end the transaction; retriable
 * errors resend the batches unchanged, so the broker can deduplicate them, until
 * `deliveryTimeoutMs` after their first failure; anything else fails the transaction.
 */
import { KafkaRequestError, KafkaUnavailableError, ProducerFencedError } from '../kafka-errors.ts'
import { classifyKafkaError, isExactlyError, kafkaErrorMessage } from './classify-error.ts'

export type ProduceFailureDecision =
  | { kind: 'fail'; error: Error }
  | { kind: 'acknowledged' }
  /** `refreshMetadata`: the leader may have moved, so ask the cluster before resending. */
  | { kind: 'retry'; firstFailureAt: number; remainingMs: number; refreshMetadata: boolean }

const RETRIABLE = new Set(['retriable', 'staleMetadata', 'network', 'unknownTopic'])

export function decideProduceFailure(
  error: unknown,
  context: {
    /** The partitions of the request, for messages. */
    where: string
    transactionalId: string
    firstFailureAt: number | undefined
    now: number
    deliveryTimeoutMs: number
  },
): ProduceFailureDecision {
  if (isExactlyError(error)) return { kind: 'fail', error: error as Error }
  const info = classifyKafkaError(error)
  const action = `Cannot produce to ${context.where} in transaction "${context.transactionalId}"`
  if (info.kind === 'duplicate') return { kind: 'acknowledged' }
  if (info.kind === 'fenced' || info.kind === 'invalidState') {
    const message = `${action}: producer was fenced (${info.errorType})`
    return { kind: 'fail', error: new ProducerFencedError(message, info.errorType, { cause: error }) }
  }
  if (!RETRIABLE.has(info.kind)) {
    const message = `${action}: the broker answered ${info.errorType} (${kafkaErrorMessage(error)})`
    return { kind: 'fail', error: new KafkaRequestError(message, info.errorType, { cause: error }) }
  }
  const firstFailureAt = context.firstFailureAt ?? context.now
  const remainingMs = firstFailureAt + context.deliveryTimeoutMs - context.now
  if (remainingMs <= 0) {
    const message = `${action}: Kafka kept answering ${info.errorType} for ${context.deliveryTimeoutMs} ms`
    return { kind: 'fail', error: new KafkaUnavailableError(message, { cause: error }) }
  }
  return { kind: 'retry', firstFailureAt, remainingMs, refreshMetadata: info.kind !== 'retriable' }
}
