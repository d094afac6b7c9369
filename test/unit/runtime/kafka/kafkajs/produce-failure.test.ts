import { describe, expect, it } from 'vitest'
import { decideProduceFailure } from '../../../../../runtime/kafka/kafkajs/produce-failure.ts'

/** A broker answer as kafkajs reports it: a KafkaJSProtocolError with the Kafka code. */
const protocolError = (code: number, type: string) =>
  Object.assign(new Error(`broker answered ${type}`), { name: 'KafkaJSProtocolError', code, type })

const context = { where: '"out/0"', transactionalId: 'j-g1-s0-1', now: 10_000, deliveryTimeoutMs: 5000 }

describe('decideProduceFailure()', () => {
  it('takes a duplicate sequence as an acknowledgement', () => {
    const decision = decideProduceFailure(protocolError(46, 'DUPLICATE_SEQUENCE_NUMBER'), {
      ...context,
      firstFailureAt: undefined,
    })
    expect(decision).toEqual({ kind: 'acknowledged' })
  })

  it('fails the transaction as fenced on INVALID_PRODUCER_EPOCH, naming the partitions and the id', () => {
    const decision = decideProduceFailure(protocolError(47, 'INVALID_PRODUCER_EPOCH'), {
      ...context,
      firstFailureAt: undefined,
    })
    expect(decision.kind).toBe('fail')
    const error = (decision as { error: Error & { code?: string } }).error
    expect(error.code).toBe('EXACTLY_KAFKA_PRODUCER_FENCED')
    expect(error.message).toBe(
      'Cannot produce to "out/0" in transaction "j-g1-s0-1": producer was fenced (INVALID_PRODUCER_EPOCH)',
    )
  })

  it('retries a moved leader after refreshing metadata, counting from the first failure', () => {
    const decision = decideProduceFailure(protocolError(6, 'NOT_LEADER_OR_FOLLOWER'), {
      ...context,
      firstFailureAt: 8000,
    })
    expect(decision).toEqual({ kind: 'retry', firstFailureAt: 8000, remainingMs: 3000, refreshMetadata: true })
  })

  it('gives up with KafkaUnavailableError once the delivery timeout has passed since the first failure', () => {
    const decision = decideProduceFailure(protocolError(7, 'REQUEST_TIMED_OUT'), { ...context, firstFailureAt: 4000 })
    expect(decision.kind).toBe('fail')
    expect((decision as { error: Error & { code?: string } }).error.code).toBe('EXACTLY_KAFKA_UNAVAILABLE')
  })

  it('fails at once on an answer retrying cannot fix', () => {
    const decision = decideProduceFailure(protocolError(10, 'MESSAGE_TOO_LARGE'), {
      ...context,
      firstFailureAt: undefined,
    })
    expect(decision.kind).toBe('fail')
    expect((decision as { error: Error }).error.message).toContain('the broker answered MESSAGE_TOO_LARGE')
  })
})
