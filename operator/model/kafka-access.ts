/**
 * PURE. How a pod reaches a secured Kafka: each Secret that spec.kafka.tls and
 * spec.kafka.authentication name becomes a secret volume holding only the keys used, and the
 * worker's `kafka.security` (contract/kafka-security.ts) names the mounted files. No secret value
 * passes through the operator, the pod spec or the config: only Secret names and keys.
 */
import { createHash } from 'node:crypto'
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node'
import type { KafkaSecurity } from '../../contract/kafka-security.ts'
import type { StreamJobSpec } from '../api/streamjob-types.ts'

/** Outside /etc/exactly, the config's read-only downwardAPI volume. */
export const KAFKA_SECRETS_DIR = '/etc/exactly-kafka'

export interface KafkaAccess {
  security: KafkaSecurity
  volumes: V1Volume[]
  mounts: V1VolumeMount[]
  /** Every Secret and key the pods read, with the spec field that names it. */
  secretKeys: SecretKeyUse[]
}

export interface SecretKeyUse {
  secretName: string
  key: string
  /** The spec field naming it, for messages: spec.kafka.tls.trustedCertificates[0], … */
  field: string
  /**
   * Whether a change of its value rolls the job (stop → recover → next generation). Not for an
   * OAuth token: it is re-read at each new connection, and rotates too often to roll for.
   */
  rolls: boolean
}

export function kafkaAccess(kafka: StreamJobSpec['kafka']): KafkaAccess {
  const keysBySecret = new Map<string, Set<string>>()
  const secretKeys: SecretKeyUse[] = []
  /** The mounted path of one Secret key. */
  const file = (secretName: string, key: string, field: string, rolls = true): string => {
    if (!keysBySecret.has(secretName)) keysBySecret.set(secretName, new Set())
    keysBySecret.get(secretName)!.add(key)
    secretKeys.push({ secretName, key, field, rolls })
    return `${KAFKA_SECRETS_DIR}/${volumeName(secretName, [...keysBySecret.keys()])}/${key}`
  }
  const security: KafkaSecurity = {}
  const auth = kafka.authentication
  if (kafka.tls) {
    const cert = auth?.type === 'tls' ? auth.certificateAndKey : undefined
    security.tls = {
      caFiles: (kafka.tls.trustedCertificates ?? []).map((t, i) =>
        file(t.secretName, t.certificate, `spec.kafka.tls.trustedCertificates[${i}]`),
      ),
      ...(cert
        ? {
            certFile: file(
              cert.secretName,
              cert.certificate,
              'spec.kafka.authentication.certificateAndKey.certificate',
            ),
            keyFile: file(cert.secretName, cert.key, 'spec.kafka.authentication.certificateAndKey.key'),
          }
        : {}),
    }
  }
  if (auth?.type === 'oauth' && auth.accessToken) {
    const { secretName, key } = auth.accessToken
    security.sasl = {
      mechanism: 'oauthbearer',
      tokenFile: file(secretName, key, 'spec.kafka.authentication.accessToken', false),
    }
  } else if (auth && auth.type !== 'tls' && auth.type !== 'oauth' && auth.passwordSecret && auth.username) {
    security.sasl = {
      mechanism: auth.type,
      username: auth.username,
      passwordFile: file(
        auth.passwordSecret.secretName,
        auth.passwordSecret.password,
        'spec.kafka.authentication.passwordSecret',
      ),
    }
  }
  const names = [...keysBySecret.keys()]
  const volumes: V1Volume[] = names.map((secretName) => ({
    name: volumeName(secretName, names),
    secret: { secretName, items: [...keysBySecret.get(secretName)!].map((key) => ({ key, path: key })) },
  }))
  const mounts: V1VolumeMount[] = volumes.map((v) => ({
    name: v.name,
    mountPath: `${KAFKA_SECRETS_DIR}/${v.name}`,
    readOnly: true,
  }))
  return { security, volumes, mounts, secretKeys }
}

/** `kafka-0`, `kafka-1`, …: Secret names may be longer than a volume name may be. */
function volumeName(secretName: string, names: readonly string[]): string {
  return `kafka-${names.indexOf(secretName)}`
}

/** What the operator found of the Secrets a job's pods mount: a hash of what rolls the job, or what is missing. */
export interface KafkaSecretsState {
  /** Over the values of every rolling key; undefined when the job uses no Secret. */
  hash?: string
  /** The first Secret or key that does not exist, with the field naming it and the fix. */
  missing?: string
}

/**
 * PURE. `secrets`: the data of each Secret the job names (base64, as the API returns it), or
 * undefined for a Secret that does not exist. Values are only hashed, never kept or shown.
 */
export function kafkaSecretsState(
  uses: readonly SecretKeyUse[],
  secrets: ReadonlyMap<string, Readonly<Record<string, string>> | undefined>,
): KafkaSecretsState {
  if (uses.length === 0) return {}
  const hash = createHash('sha256')
  for (const use of uses) {
    const data = secrets.get(use.secretName)
    if (data === undefined) {
      return {
        missing: `Secret "${use.secretName}" named by ${use.field} does not exist: create it (a Strimzi KafkaUser or cluster CA Secret appears once Strimzi has made it) or correct the name; the worker pods wait for it`,
      }
    }
    const value = data[use.key]
    if (value === undefined) {
      const keys = Object.keys(data).sort().join(', ') || 'none'
      return {
        missing: `Secret "${use.secretName}" has no key "${use.key}" (named by ${use.field}; its keys: ${keys}): correct the key or add it to the Secret`,
      }
    }
    if (use.rolls) hash.update(`${use.secretName}\0${use.key}\0${value}\0`)
  }
  return { hash: hash.digest('hex').slice(0, 16) }
}
