/**
 * The kafkajs `ssl` and `sasl` options for a `KafkaSecurity` (contract/kafka-security.ts). TLS
 * files are read once, here, so a missing or unreadable one fails before any connection with a
 * message naming it. Passwords and tokens are read at each authentication: kafkajs calls the
 * provider for every new connection, so a rotated Secret file is used from the next one on.
 */
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import type { SASLOptions } from 'kafkajs'
import type { KafkaSecurity } from '../../../contract/kafka-security.ts'
import { KafkaAuthenticationError } from '../kafka-errors.ts'
import type { AclHints } from './access-errors.ts'

export interface KafkajsSecurityOptions {
  ssl?: ConnectionOptions
  sasl?: SASLOptions
}

function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new KafkaAuthenticationError(
      `Cannot read the Kafka ${what} file ${path} (${code}): check that the Secret and key named in spec.kafka exist`,
      'SecretFileUnreadable',
      { cause: error },
    )
  }
}

export function kafkajsSecurity(security: KafkaSecurity): KafkajsSecurityOptions {
  const options: KafkajsSecurityOptions = {}
  if (security.tls) {
    const { caFiles, certFile, keyFile } = security.tls
    options.ssl = {
      ...(caFiles.length > 0 ? { ca: caFiles.map((f) => readSecretFile(f, 'trusted certificate')) } : {}),
      ...(certFile && keyFile
        ? { cert: readSecretFile(certFile, 'client certificate'), key: readSecretFile(keyFile, 'client key') }
        : {}),
    }
  }
  const sasl = security.sasl
  if (sasl?.mechanism === 'oauthbearer') {
    options.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({
        value: checkedToken(readSecretFile(sasl.tokenFile, 'OAuth token').trim(), sasl.tokenFile),
      }),
    }
  } else if (sasl) {
    const password = () => readSecretFile(sasl.passwordFile, 'SASL password').replace(/\r?\n$/, '')
    // kafkajs reads `password` when it authenticates a connection: a getter re-reads the file.
    options.sasl = Object.defineProperty({ mechanism: sasl.mechanism, username: sasl.username }, 'password', {
      get: password,
      enumerable: false,
    }) as SASLOptions
  }
  return options
}

/**
 * kafkajs takes a broker's refusal of a token for success and only sees the connection close
 * later, so what can be checked here is: an empty token file, and a JWT whose `exp` has passed.
 * Other tokens (Amazon MSK IAM's are signed URLs, not JWTs) go to the broker as they are.
 */
function checkedToken(token: string, file: string): string {
  if (token.length === 0) {
    throw new KafkaAuthenticationError(
      `The OAuth token file ${file} is empty: whatever writes the token Secret has not written it yet`,
      'SASL_AUTHENTICATION_FAILED',
    )
  }
  const exp = jwtExpiry(token)
  if (exp !== undefined && exp * 1000 < Date.now()) {
    throw new KafkaAuthenticationError(
      `The OAuth token in ${file} expired at ${new Date(exp * 1000).toISOString()}: whatever refreshes the token Secret has stopped`,
      'SASL_AUTHENTICATION_FAILED',
    )
  }
  return token
}

/** A JWT's `exp` claim (seconds), or undefined for a token that is not a JWT or has none. */
function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown }
    return typeof claims?.exp === 'number' ? claims.exp : undefined
  } catch {
    return undefined
  }
}

/**
 * The principal name the client authenticates as, where the configuration tells it: the SASL user
 * name, or the client certificate's CN (what a CN mapping rule such as Strimzi's makes of it).
 */
export function principalHint(security: KafkaSecurity): string | undefined {
  if (security.sasl && 'username' in security.sasl) return security.sasl.username
  const certFile = security.tls?.certFile
  if (!certFile || security.sasl) return undefined
  try {
    const subject = new X509Certificate(readFileSync(certFile)).subject
    return /^CN=(.+)$/m.exec(subject)?.[1]
  } catch {
    return undefined
  }
}

/** The advice hints (access-errors.ts) of a job's client: its principal and transactional-id prefix. */
export function aclHintsOf(config: {
  job: { uid: string }
  kafka: { security: KafkaSecurity; transactionalIdPrefix: string }
}): AclHints {
  const principal = principalHint(config.kafka.security)
  return {
    ...(principal ? { principal } : {}),
    // Everything a job writes transactionally starts with this (runtime/sink/txn-ids.ts).
    transactionalIdPrefix: config.kafka.transactionalIdPrefix || `${config.job.uid}-`,
  }
}
