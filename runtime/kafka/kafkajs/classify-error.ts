/**
 * PURE: what a kafkajs error means for us. kafkajs wraps broker errors (`KafkaJSProtocolError`,
 * with the Kafka error `code` and its own `type` name) in retry errors with a `cause` chain, and
 * maps codes above 88 (e.g. PRODUCER_FENCED = 90) to "Unknown error code 90". We read the Kafka
 * code wherever it is and use Kafka's own error names, so logs and outcomes match Kafka's docs.
 */

/** The Kafka error codes the adapter reacts to, by their names in Kafka's protocol docs. */
const KAFKA_ERRORS: Readonly<Record<number, string>> = {
  1: 'OFFSET_OUT_OF_RANGE',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_OR_FOLLOWER',
  7: 'REQUEST_TIMED_OUT',
  8: 'BROKER_NOT_AVAILABLE',
  9: 'REPLICA_NOT_AVAILABLE',
  10: 'MESSAGE_TOO_LARGE',
  13: 'NETWORK_EXCEPTION',
  14: 'COORDINATOR_LOAD_IN_PROGRESS',
  15: 'COORDINATOR_NOT_AVAILABLE',
  16: 'NOT_COORDINATOR',
  19: 'NOT_ENOUGH_REPLICAS',
  20: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  30: 'GROUP_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  45: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
  46: 'DUPLICATE_SEQUENCE_NUMBER',
  47: 'INVALID_PRODUCER_EPOCH',
  48: 'INVALID_TXN_STATE',
  49: 'INVALID_PRODUCER_ID_MAPPING',
  50: 'INVALID_TRANSACTION_TIMEOUT',
  51: 'CONCURRENT_TRANSACTIONS',
  52: 'TRANSACTION_COORDINATOR_FENCED',
  53: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  56: 'KAFKA_STORAGE_ERROR',
  58: 'SASL_AUTHENTICATION_FAILED',
  59: 'UNKNOWN_PRODUCER_ID',
  74: 'FENCED_LEADER_EPOCH',
  75: 'UNKNOWN_LEADER_EPOCH',
  90: 'PRODUCER_FENCED',
}

/**
 * - `retriable`: try again after a backoff (same broker);
 * - `coordinatorMoved`: find the transaction coordinator again, then retry;
 * - `staleMetadata`: refresh metadata (leaders moved), then retry;
 * - `network`: the connection failed or timed out: refresh what we know, then retry;
 * - `fenced`: the producer id/epoch is no longer current (or unknown to the coordinator);
 * - `invalidState`: the transaction is not in a state that allows the request;
 * - `duplicate`: the broker already has this batch (an idempotent retry): success;
 * - `unknownTopic`, `offsetOutOfRange`: as named;
 * - `denied`: authenticated, but the ACLs do not allow it (`*_AUTHORIZATION_FAILED`);
 * - `authentication`: SASL refused the credentials, or the TLS handshake failed;
 * - `fatal`: anything else; retrying will not help.
 */
export type KafkaErrorKind =
  | 'retriable'
  | 'coordinatorMoved'
  | 'staleMetadata'
  | 'network'
  | 'fenced'
  | 'invalidState'
  | 'duplicate'
  | 'unknownTopic'
  | 'offsetOutOfRange'
  | 'denied'
  | 'authentication'
  | 'fatal'

const KIND_BY_CODE: Readonly<Record<number, KafkaErrorKind>> = {
  1: 'offsetOutOfRange',
  3: 'unknownTopic',
  5: 'staleMetadata',
  6: 'staleMetadata',
  9: 'staleMetadata',
  74: 'staleMetadata',
  75: 'staleMetadata',
  7: 'retriable',
  8: 'retriable',
  13: 'retriable',
  14: 'retriable',
  19: 'retriable',
  20: 'retriable',
  51: 'retriable',
  56: 'retriable',
  15: 'coordinatorMoved',
  16: 'coordinatorMoved',
  46: 'duplicate',
  47: 'fenced',
  49: 'fenced',
  90: 'fenced',
  48: 'invalidState',
  29: 'denied',
  30: 'denied',
  31: 'denied',
  53: 'denied',
  58: 'authentication',
}

/**
 * Node's TLS errors (`error.code`) that no retry fixes: the broker's certificate is not trusted,
 * or the broker refused ours (alerts 42 bad certificate, 46 certificate unknown, 48 unknown CA).
 */
const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
])

/** kafkajs errors that mean "the connection or the cluster view failed", not "the broker said no". */
const NETWORK_ERROR_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
])

const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'])

export interface KafkaErrorInfo {
  /** Kafka's error name (`INVALID_PRODUCER_EPOCH`), else the library's error name. */
  errorType: string
  /** The Kafka protocol error code, when the broker answered with one. */
  kafkaCode: number | undefined
  kind: KafkaErrorKind
}

interface ErrorLike {
  name?: unknown
  type?: unknown
  code?: unknown
  message?: unknown
  cause?: unknown
}

/** Reads a kafkajs error (possibly wrapped by its retrier) into Kafka terms. */
export function classifyKafkaError(error: unknown): KafkaErrorInfo {
  const chain = causeChain(error)
  for (const e of chain) {
    const code = protocolCode(e)
    if (code !== undefined) {
      const errorType = KAFKA_ERRORS[code] ?? (typeof e.type === 'string' ? e.type : `KAFKA_ERROR_${code}`)
      return { errorType, kafkaCode: code, kind: KIND_BY_CODE[code] ?? 'fatal' }
    }
  }
  for (const e of chain) {
    const name = typeof e.name === 'string' ? e.name : ''
    if (name === 'KafkaJSSASLAuthenticationError') {
      return { errorType: 'SASL_AUTHENTICATION_FAILED', kafkaCode: undefined, kind: 'authentication' }
    }
    const tls = tlsErrorCode(e)
    if (tls) return { errorType: tls, kafkaCode: undefined, kind: 'authentication' }
  }
  for (const e of chain) {
    const name = typeof e.name === 'string' ? e.name : ''
    if (NETWORK_ERROR_NAMES.has(name) || (typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code))) {
      return { errorType: name || String(e.code), kafkaCode: undefined, kind: 'network' }
    }
  }
  const first = chain[0]
  const errorType = typeof first?.name === 'string' ? first.name : 'Error'
  return { errorType, kafkaCode: undefined, kind: 'fatal' }
}

/** True for the errors of `kafka-errors.ts` (code `EXACTLY_…`): already translated, never retried. */
export function isExactlyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('EXACTLY_')
}

/** The error message to show after a colon: the innermost cause's message, without kafkajs's wrappers. */
export function kafkaErrorMessage(error: unknown): string {
  const chain = causeChain(error)
  const innermost = chain[chain.length - 1]
  return typeof innermost?.message === 'string' ? innermost.message : String(error)
}

function causeChain(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = []
  let current: unknown = error
  while (current !== null && typeof current === 'object' && chain.length < 10 && !chain.includes(current)) {
    chain.push(current)
    current = (current as ErrorLike).cause
  }
  return chain
}

/** The Kafka code of a `KafkaJSProtocolError`, including codes kafkajs does not know. */
function protocolCode(e: ErrorLike): number | undefined {
  if (typeof e.type !== 'string' || typeof e.code !== 'number') return undefined
  if (e.type !== 'KAFKAJS_UNKNOWN_ERROR_CODE') return e.code
  const match = typeof e.message === 'string' ? /Unknown error code (-?\d+)/.exec(e.message) : null
  return match ? Number(match[1]) : undefined
}

/**
 * kafkajs keeps a socket error's message but not its code: "Connection error: unable to verify
 * the first certificate". The code is read where kept, else recognised from OpenSSL's words.
 */
function tlsErrorCode(e: ErrorLike): string | undefined {
  if (typeof e.code === 'string' && TLS_ERROR_CODES.has(e.code)) return e.code
  const message = typeof e.message === 'string' ? e.message : ''
  if (/unable to verify the first certificate|unable to get (local )?issuer certificate/.test(message)) {
    return 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
  }
  if (/self[- ]signed certificate/.test(message)) return 'SELF_SIGNED_CERT_IN_CHAIN'
  if (/certificate has expired|alert certificate expired/.test(message)) return 'CERT_HAS_EXPIRED'
  if (/alert bad certificate|alert certificate unknown|alert unknown ca/.test(message))
    return 'CLIENT_CERTIFICATE_REJECTED'
  if (/Hostname\/IP does not match certificate/.test(message)) return 'ERR_TLS_CERT_ALTNAME_INVALID'
  if (/wrong version number|packet length too long/.test(message)) return 'ERR_SSL_WRONG_VERSION_NUMBER'
  return undefined
}
