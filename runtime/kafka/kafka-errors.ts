/**
 * Errors a `KafkaClient` throws, whatever library implements it. Each maps to one recovery
 * action of the caller; EndTxn outcomes are not errors (see `EndTransactionOutcome`).
 *
 * | class                   | code                                 | caller's action                       |
 * |-------------------------|--------------------------------------|---------------------------------------|
 * | KafkaUnavailableError   | EXACTLY_KAFKA_UNAVAILABLE            | retry later (restart the slot)        |
 * | ProducerFencedError     | EXACTLY_KAFKA_PRODUCER_FENCED        | stop writing: a newer attempt owns it |
 * | UnknownTopicError       | EXACTLY_KAFKA_UNKNOWN_TOPIC          | fail the job: configuration           |
 * | OffsetOutOfRangeError   | EXACTLY_KAFKA_OFFSET_OUT_OF_RANGE    | fail the job: input lost to retention |
 * | KafkaRequestError       | EXACTLY_KAFKA_REQUEST                | fail: the broker refused the request  |
 * | KafkaAuthenticationError| EXACTLY_KAFKA_AUTHENTICATION         | retry later: a person fixes a Secret  |
 * | KafkaAccessDeniedError  | EXACTLY_KAFKA_ACCESS_DENIED          | retry later: a person grants an ACL   |
 */

/** Kafka could not be reached, or kept answering with retriable errors until the deadline. */
export class KafkaUnavailableError extends Error {
  override name = 'KafkaUnavailableError'
  readonly code = 'EXACTLY_KAFKA_UNAVAILABLE'
}

/**
 * A transactional write was refused because the producer epoch is no longer current: another
 * InitProducerId on the same transactional id (a newer attempt) or a transaction timeout
 * fenced it. The open transaction is already aborted by the broker.
 */
export class ProducerFencedError extends Error {
  override name = 'ProducerFencedError'
  readonly code = 'EXACTLY_KAFKA_PRODUCER_FENCED'
  /** The broker's error name, e.g. `INVALID_PRODUCER_EPOCH`. */
  readonly errorType: string

  constructor(message: string, errorType: string, options?: ErrorOptions) {
    super(message, options)
    this.errorType = errorType
  }
}

/** The topic does not exist, or has no such partition. */
export class UnknownTopicError extends Error {
  override name = 'UnknownTopicError'
  readonly code = 'EXACTLY_KAFKA_UNKNOWN_TOPIC'
  readonly topic: string

  constructor(message: string, topic: string, options?: ErrorOptions) {
    super(message, options)
    this.topic = topic
  }
}

/** A fetch asked for an offset the partition no longer (or not yet) holds. */
export class OffsetOutOfRangeError extends Error {
  override name = 'OffsetOutOfRangeError'
  readonly code = 'EXACTLY_KAFKA_OFFSET_OUT_OF_RANGE'
}

/** The broker refused a request with a non-retriable error (authorization, size, protocol, …). */
export class KafkaRequestError extends Error {
  override name = 'KafkaRequestError'
  readonly code = 'EXACTLY_KAFKA_REQUEST'
  /** The broker's error name, e.g. `TRANSACTIONAL_ID_AUTHORIZATION_FAILED`, or the library's error name. */
  readonly errorType: string

  constructor(message: string, errorType: string, options?: ErrorOptions) {
    super(message, options)
    this.errorType = errorType
  }
}

/**
 * The client could not prove who it is, or could not trust the broker: SASL refused (wrong
 * password, unknown user, bad token), a TLS handshake that failed (untrusted or expired
 * certificate, a client certificate the broker rejects), or a Secret file that cannot be read.
 */
export class KafkaAuthenticationError extends Error {
  override name = 'KafkaAuthenticationError'
  readonly code = 'EXACTLY_KAFKA_AUTHENTICATION'
  /** `SASL_AUTHENTICATION_FAILED`, the TLS error code (`CERT_HAS_EXPIRED`, …) or `SecretFileUnreadable`. */
  readonly errorType: string

  constructor(message: string, errorType: string, options?: ErrorOptions) {
    super(message, options)
    this.errorType = errorType
  }
}

/** The ACL a refused request needed: what kafka-acls.sh calls operation and resource. */
export interface MissingAcl {
  operation: 'Read' | 'Write' | 'Describe' | 'Alter'
  resource: { type: 'topic'; names: string[] } | { type: 'transactional-id'; name: string } | { type: 'cluster' }
}

/** The broker authenticated the client but its ACLs do not allow the request (`*_AUTHORIZATION_FAILED`). */
export class KafkaAccessDeniedError extends Error {
  override name = 'KafkaAccessDeniedError'
  readonly code = 'EXACTLY_KAFKA_ACCESS_DENIED'
  readonly errorType: string
  readonly missing: MissingAcl

  constructor(message: string, errorType: string, missing: MissingAcl, options?: ErrorOptions) {
    super(message, options)
    this.errorType = errorType
    this.missing = missing
  }
}
