/**
 * The command-line flags every Kafka-talking command shares for TLS and SASL. Secrets come from
 * files (a password on the command line would show in `ps`), in the same shape the operator
 * gives workers (contract/kafka-security.ts).
 */
import type { ParseArgsConfig } from 'node:util'
import { type KafkaSecurity, kafkaSecuritySchema } from '../../contract/kafka-security.ts'

export const KAFKA_SECURITY_USAGE = `Kafka security (all optional; plaintext without them):
  --tls                    connect with TLS (implied by the --tls-* flags)
  --tls-ca FILE            a PEM CA certificate that signs the brokers' (repeatable; default: Node's CAs)
  --tls-cert FILE          a client certificate (PEM) for mTLS, with --tls-key FILE
  --sasl-mechanism M       plain | scram-sha-256 | scram-sha-512 | oauthbearer
  --sasl-username NAME     with plain and scram-*
  --sasl-password-file F   a file holding the password
  --oauth-token-file F     a file holding the OAuth bearer token, with oauthbearer
`

export const KAFKA_SECURITY_OPTIONS = {
  tls: { type: 'boolean' },
  'tls-ca': { type: 'string', multiple: true },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'sasl-mechanism': { type: 'string' },
  'sasl-username': { type: 'string' },
  'sasl-password-file': { type: 'string' },
  'oauth-token-file': { type: 'string' },
} satisfies NonNullable<ParseArgsConfig['options']>

type Values = {
  [K in keyof typeof KAFKA_SECURITY_OPTIONS]?: (typeof KAFKA_SECURITY_OPTIONS)[K] extends { multiple: true }
    ? string[]
    : K extends 'tls'
      ? boolean
      : string
}

/** A bad security flag: a usage error (exit 2), not a finding. */
export class KafkaFlagsError extends Error {
  override name = 'KafkaFlagsError'
}

/** The security settings the flags describe; throws KafkaFlagsError with the flag to fix. */
export function kafkaSecurityFromFlags(values: Values): KafkaSecurity {
  const caFiles = values['tls-ca'] ?? []
  const tls =
    values.tls || caFiles.length > 0 || values['tls-cert'] || values['tls-key']
      ? {
          caFiles,
          ...(values['tls-cert'] ? { certFile: values['tls-cert'] } : {}),
          ...(values['tls-key'] ? { keyFile: values['tls-key'] } : {}),
        }
      : undefined
  const mechanism = values['sasl-mechanism']
  const sasl =
    mechanism === undefined
      ? undefined
      : mechanism === 'oauthbearer'
        ? { mechanism, tokenFile: values['oauth-token-file'] ?? '' }
        : { mechanism, username: values['sasl-username'] ?? '', passwordFile: values['sasl-password-file'] ?? '' }
  const parsed = kafkaSecuritySchema.safeParse({ ...(tls ? { tls } : {}), ...(sasl ? { sasl } : {}) })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new KafkaFlagsError(`Invalid Kafka security flags: ${flagOf(issue.path)}: ${issue.message}`)
  }
  return parsed.data
}

function flagOf(path: readonly PropertyKey[]): string {
  const field = String(path[path.length - 1] ?? path[0] ?? '')
  const flags: Record<string, string> = {
    mechanism: '--sasl-mechanism',
    username: '--sasl-username',
    passwordFile: '--sasl-password-file',
    tokenFile: '--oauth-token-file',
    certFile: '--tls-cert',
    keyFile: '--tls-key',
    caFiles: '--tls-ca',
    tls: '--tls-cert/--tls-key',
    sasl: '--sasl-mechanism',
  }
  return flags[field] ?? field
}
