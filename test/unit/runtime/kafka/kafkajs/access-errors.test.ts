import { describe, expect, it } from 'vitest'
import { KafkaAccessDeniedError, KafkaAuthenticationError } from '../../../../../runtime/kafka/kafka-errors.ts'
import {
  anyOf,
  clusterNeed,
  topicNeed,
  transactionalIdNeed,
  translateAccessError,
} from '../../../../../runtime/kafka/kafkajs/access-errors.ts'

/** What kafkajs throws for a broker's error answer. */
const protocolError = (code: number, type: string) =>
  Object.assign(new Error(`broker said ${type}`), { name: 'KafkaJSProtocolError', code, type })

describe('translateAccessError', () => {
  it('names the missing topic ACL and the command that grants it', () => {
    const error = translateAccessError(
      protocolError(29, 'TOPIC_AUTHORIZATION_FAILED'),
      'Cannot fetch',
      topicNeed('Read', ['in', 'in']),
      {
        principal: 'job',
      },
    )
    expect(error).toBeInstanceOf(KafkaAccessDeniedError)
    expect((error as KafkaAccessDeniedError).missing).toEqual({
      operation: 'Read',
      resource: { type: 'topic', names: ['in'] },
    })
    expect((error as Error).message).toBe(
      'Cannot fetch: the broker denied it (TOPIC_AUTHORIZATION_FAILED); the job\'s principal needs the ACL Read on topic "in". ' +
        'Grant it: kafka-acls.sh --bootstrap-server BROKER --command-config admin.properties --add --allow-principal User:job --operation Read --topic in',
    )
  })

  it('names only the refused topic when the answer said which', () => {
    const refused = Object.assign(protocolError(29, 'TOPIC_AUTHORIZATION_FAILED'), { topic: 'out' })
    const error = translateAccessError(refused, 'Cannot describe producers', topicNeed('Read', ['in', 'out']))
    expect((error as KafkaAccessDeniedError).missing).toEqual({
      operation: 'Read',
      resource: { type: 'topic', names: ['out'] },
    })
  })

  it('uses the transactional-id prefix of the hints, and the cluster for WriteTxnMarkers', () => {
    const needs = anyOf(topicNeed('Write', ['out']), transactionalIdNeed('p.uid-g1-s0-0'), clusterNeed)
    const txn = translateAccessError(protocolError(53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'), 'x', needs, {
      transactionalIdPrefix: 'p.',
    })
    expect((txn as Error).message).toContain('--operation Write --transactional-id p. --resource-pattern-type prefixed')
    const cluster = translateAccessError(protocolError(31, 'CLUSTER_AUTHORIZATION_FAILED'), 'x', needs)
    expect((cluster as KafkaAccessDeniedError).missing).toEqual({ operation: 'Alter', resource: { type: 'cluster' } })
  })

  it('turns SASL and TLS refusals into KafkaAuthenticationError with the fix', () => {
    const sasl = translateAccessError(
      Object.assign(new Error('SASL SCRAM SHA512 authentication failed'), { name: 'KafkaJSSASLAuthenticationError' }),
      'Cannot connect',
      () => undefined,
    )
    expect(sasl).toBeInstanceOf(KafkaAuthenticationError)
    expect((sasl as KafkaAuthenticationError).errorType).toBe('SASL_AUTHENTICATION_FAILED')
    const untrusted = translateAccessError(
      Object.assign(new Error('Connection error: unable to verify the first certificate'), {
        name: 'KafkaJSConnectionError',
      }),
      'Cannot connect',
      () => undefined,
    )
    expect((untrusted as KafkaAuthenticationError).errorType).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    expect((untrusted as Error).message).toContain('spec.kafka.tls.trustedCertificates')
    const rejected = translateAccessError(
      new Error('ssl3_read_bytes:ssl/tls alert certificate unknown'),
      'c',
      () => undefined,
    )
    expect((rejected as KafkaAuthenticationError).errorType).toBe('CLIENT_CERTIFICATE_REJECTED')
  })

  it('finds our own authentication error inside kafkajs wrappers', () => {
    const ours = new KafkaAuthenticationError(
      'Cannot read the Kafka SASL password file /x (ENOENT)',
      'SecretFileUnreadable',
    )
    const wrapped = Object.assign(new Error('retries exceeded'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      cause: ours,
    })
    expect(translateAccessError(wrapped, 'c', () => undefined)).toBe(ours)
  })

  it('leaves every other error alone', () => {
    const network = Object.assign(new Error('Connection error: connect ECONNREFUSED'), {
      name: 'KafkaJSConnectionError',
      code: 'ECONNREFUSED',
    })
    expect(translateAccessError(network, 'c', topicNeed('Read', ['in']))).toBe(network)
    const fenced = protocolError(47, 'INVALID_PRODUCER_EPOCH')
    expect(translateAccessError(fenced, 'c', topicNeed('Read', ['in']))).toBe(fenced)
  })
})
