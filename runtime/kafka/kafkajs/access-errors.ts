/**
 * Turns a refusal by the broker's authenticator or authorizer into our own error, with the cause
 * and the fix in its message: which credential or certificate failed, or which ACL the request
 * needed. Every public call of the adapter goes through `translateAccessError`.
 */
import { KafkaAccessDeniedError, KafkaAuthenticationError, type MissingAcl } from '../kafka-errors.ts'
import { classifyKafkaError, isExactlyError, kafkaErrorMessage } from './classify-error.ts'

/**
 * What a refused call needed, by the broker's error name (TOPIC_…, TRANSACTIONAL_ID_…, CLUSTER_…)
 * and the error itself, which may say which topic was refused.
 */
export type AclNeeds = (errorType: string, error?: unknown) => MissingAcl | undefined

const TLS_FIXES: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    "the broker's certificate is not signed by a trusted CA: add the CA certificate to spec.kafka.tls.trustedCertificates",
  SELF_SIGNED_CERT_IN_CHAIN:
    "the broker's certificate chain ends in a CA that is not trusted: add it to spec.kafka.tls.trustedCertificates",
  ERR_TLS_CERT_ALTNAME_INVALID:
    "the broker's certificate does not name the address in spec.kafka.bootstrapServers: use the address its certificate was issued for",
  CERT_HAS_EXPIRED: 'a certificate has expired: renew it (and the Secret that holds it)',
  CLIENT_CERTIFICATE_REJECTED:
    'the broker refused the client certificate (expired, or not signed by a CA the broker trusts): renew it in the Secret of spec.kafka.authentication.certificateAndKey',
  ERR_SSL_WRONG_VERSION_NUMBER:
    'the broker did not answer TLS: this listener is plaintext; remove spec.kafka.tls or use the TLS listener',
}

function authenticationFix(errorType: string): string {
  if (errorType === 'SASL_AUTHENTICATION_FAILED') {
    return 'check the user name and the password (or token) Secret in spec.kafka.authentication, and that the user exists on the cluster for this mechanism'
  }
  return TLS_FIXES[errorType] ?? 'check spec.kafka.tls and spec.kafka.authentication'
}

/** The kafka-acls.sh words for one missing ACL. */
export function describeAcl(missing: MissingAcl): string {
  const r = missing.resource
  const on =
    r.type === 'cluster'
      ? 'the cluster'
      : r.type === 'topic'
        ? `topic ${r.names.map((n) => `"${n}"`).join(', ')}`
        : `transactional ids with prefix "${r.name}"`
  return `${missing.operation} on ${on}`
}

/** Who the client is and what prefix its transactional ids share: for the advice in messages. */
export interface AclHints {
  /** The principal's name (User:<name>), when the configuration says it (SASL user name, certificate CN). */
  principal?: string
  /** The transactional-id prefix to grant Write on (spec.kafka.transactionalIdPrefix, else the job uid). */
  transactionalIdPrefix?: string
}

/** A kafka-acls.sh command that grants `missing` (run it with an admin's --command-config). */
export function aclCommand(missing: MissingAcl, hints: AclHints): string {
  const r = missing.resource
  const resource =
    r.type === 'cluster'
      ? ['--cluster']
      : r.type === 'topic'
        ? r.names.flatMap((n) => ['--topic', n])
        : ['--transactional-id', hints.transactionalIdPrefix ?? r.name, '--resource-pattern-type', 'prefixed']
  return [
    'kafka-acls.sh --bootstrap-server BROKER --command-config admin.properties --add',
    `--allow-principal User:${hints.principal ?? '<the job user>'}`,
    `--operation ${missing.operation}`,
    ...resource,
  ].join(' ')
}

/**
 * Our error for `error` when it is an authentication or authorization refusal; otherwise
 * `error` itself, unchanged.
 */
export function translateAccessError(error: unknown, action: string, needs: AclNeeds, hints: AclHints = {}): unknown {
  const ours = authenticationCause(error)
  if (ours) return ours
  if (isExactlyError(error) && !isRequestError(error)) return error
  const info = classifyKafkaError(error)
  if (info.kind === 'authentication') {
    return new KafkaAuthenticationError(
      `${action}: authentication failed (${info.errorType}: ${kafkaErrorMessage(error)}); ${authenticationFix(info.errorType)}`,
      info.errorType,
      { cause: error },
    )
  }
  if (info.kind !== 'denied') return error
  const missing = needs(info.errorType, error)
  if (!missing) return error
  return new KafkaAccessDeniedError(
    `${action}: the broker denied it (${info.errorType}); the job's principal needs the ACL ${describeAcl(missing)}. Grant it: ${aclCommand(missing, hints)}`,
    info.errorType,
    missing,
    { cause: error },
  )
}

/** Our own authentication error (a Secret file kafkajs failed to read through us), wherever it is wrapped. */
function authenticationCause(error: unknown): KafkaAuthenticationError | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 10; e = (e as Error).cause, depth++) {
    if (e instanceof KafkaAuthenticationError) return e
  }
  return undefined
}

/** A KafkaRequestError still carries the broker's refusal, which may be an ACL one. */
function isRequestError(error: unknown): boolean {
  return (
    (error as { code?: unknown }).code === 'EXACTLY_KAFKA_REQUEST' ||
    (error as { code?: unknown }).code === 'EXACTLY_KAFKA_UNAVAILABLE'
  )
}

export const topicNeed =
  (operation: 'Read' | 'Write' | 'Describe', topics: readonly string[]): AclNeeds =>
  (errorType, error) => {
    if (errorType !== 'TOPIC_AUTHORIZATION_FAILED') return undefined
    const refused = refusedTopic(error)
    return { operation, resource: { type: 'topic', names: refused ? [refused] : [...new Set(topics)] } }
  }

/** The topic an error names (set where a per-partition answer was refused), wherever it is wrapped. */
function refusedTopic(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 10; e = (e as Error).cause, depth++) {
    const topic = (e as { topic?: unknown }).topic
    if (typeof topic === 'string') return topic
  }
  return undefined
}

export const transactionalIdNeed =
  (transactionalId: string): AclNeeds =>
  (errorType) =>
    errorType === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'
      ? { operation: 'Write', resource: { type: 'transactional-id', name: transactionalId } }
      : undefined

export const clusterNeed: AclNeeds = (errorType) =>
  errorType === 'CLUSTER_AUTHORIZATION_FAILED' ? { operation: 'Alter', resource: { type: 'cluster' } } : undefined

/** The first of several needs that matches. */
export const anyOf =
  (...needs: AclNeeds[]): AclNeeds =>
  (errorType, error) => {
    for (const need of needs) {
      const missing = need(errorType, error)
      if (missing) return missing
    }
    return undefined
  }
