/**
 * The secured side of the stack's broker: a CA made with openssl, the broker's certificate, SCRAM
 * and PLAIN users, and the listeners and authorizer settings that use them.
 *
 * - SASL_SSL: SCRAM-SHA-512, SCRAM-SHA-256, PLAIN and OAUTHBEARER (the broker's unsecured-JWT
 *   validator: any token with a `sub` claim is that principal; for tests only).
 * - SSL with a required client certificate: the principal is the certificate's CN.
 * - The StandardAuthorizer, with allow.everyone.if.no.acl.found off. The super users are `admin`
 *   and User:ANONYMOUS, which is every client of the PLAINTEXT and CONTROLLER listeners: those
 *   two stay open so the stack's own tools and the existing tests keep working; a secured client
 *   never gets that principal.
 *
 * The material is made once per data directory and reused across broker restarts (the SCRAM
 * credentials live in the cluster metadata, written when the storage is formatted).
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CLIENT_AUTH, type ClientCert, createCa, signed } from './certs.ts'

/** SCRAM (SHA-512 and SHA-256) and PLAIN users made when the storage is formatted. */
export const KAFKA_USERS = ['admin', 'job-a', 'job-b', 'job-c', 'job-d', 'job-e'] as const
export type KafkaUser = (typeof KAFKA_USERS)[number]

export interface KafkaSecurityInfo {
  /** SASL_SSL listener (SCRAM-SHA-512/256, PLAIN, OAUTHBEARER). */
  saslSsl: string
  /** SSL listener that requires a client certificate. */
  mtls: string
  /** The CA that signed the broker's certificate and signs client certificates (PEM). */
  caFile: string
  /** Where client certificates are made (issueClientCertificate). */
  tlsDir: string
  /** Passwords of KAFKA_USERS (SCRAM and PLAIN alike). */
  passwords: Record<KafkaUser, string>
}

export interface SecuredPorts {
  saslSsl: number
  mtls: number
}

/** Makes (or reloads) the CA, the broker's certificate and the users' passwords in `dir`. */
export async function prepareKafkaSecurity(
  dir: string,
  host: string,
): Promise<Omit<KafkaSecurityInfo, 'saslSsl' | 'mtls'> & { fresh: boolean }> {
  const tlsDir = join(dir, 'tls')
  const passwordsFile = join(tlsDir, 'passwords.json')
  if (existsSync(passwordsFile) && existsSync(join(tlsDir, 'broker.pem'))) {
    const passwords = JSON.parse(await readFile(passwordsFile, 'utf8')) as Record<KafkaUser, string>
    return { caFile: join(tlsDir, 'ca.crt'), tlsDir, passwords, fresh: false }
  }
  await mkdir(tlsDir, { recursive: true })
  const caFile = await createCa(tlsDir, 'exactly-kafka-ca')
  const broker = await signed(
    tlsDir,
    'broker',
    '/CN=exactly-kafka-broker',
    `subjectAltName=IP:127.0.0.1,IP:${host},DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`,
  )
  // Kafka's PEM keystore is one file: the PKCS#8 key, then the certificate chain.
  await writeFile(
    join(tlsDir, 'broker.pem'),
    `${await readFile(broker.keyFile, 'utf8')}${await readFile(broker.certFile, 'utf8')}`,
  )
  const passwords = Object.fromEntries(KAFKA_USERS.map((u) => [u, randomBytes(12).toString('hex')])) as Record<
    KafkaUser,
    string
  >
  await writeFile(passwordsFile, `${JSON.stringify(passwords, null, 2)}\n`, { mode: 0o600 })
  return { caFile, tlsDir, passwords, fresh: true }
}

/** `kafka-storage format` arguments that create the SCRAM credentials of KAFKA_USERS. */
export function scramFormatArgs(passwords: Record<KafkaUser, string>): string[] {
  return KAFKA_USERS.flatMap((user) =>
    ['SCRAM-SHA-512', 'SCRAM-SHA-256'].flatMap((mechanism) => [
      '--add-scram',
      `${mechanism}=[name=${user},password=${passwords[user]}]`,
    ]),
  )
}

/** The secured listeners' broker properties (appended to the plaintext ones in kafka.ts). */
export function securedBrokerProperties(
  host: string,
  ports: SecuredPorts,
  security: Omit<KafkaSecurityInfo, 'saslSsl' | 'mtls'>,
): { listeners: string[]; protocols: string[]; lines: string[] } {
  const tls = [
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${join(security.tlsDir, 'broker.pem')}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${security.caFile}`,
  ]
  const plainUsers = KAFKA_USERS.map((u) => `user_${u}="${security.passwords[u]}"`).join(' ')
  return {
    listeners: [`SASL_SSL://${host}:${ports.saslSsl}`, `MTLS://${host}:${ports.mtls}`],
    protocols: ['SASL_SSL:SASL_SSL', 'MTLS:SSL'],
    lines: [
      ...tls.map((line) => `listener.name.sasl_ssl.${line}`),
      ...tls.map((line) => `listener.name.mtls.${line}`),
      'listener.name.mtls.ssl.client.auth=required',
      // The principal of a certificate is its CN, as for SCRAM and OAUTHBEARER users: one ACL set per user.
      'ssl.principal.mapping.rules=RULE:^CN=([^,]+).*$/$1/,DEFAULT',
      'listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN,OAUTHBEARER',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
      'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="admin";',
      'listener.name.sasl_ssl.oauthbearer.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler',
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'allow.everyone.if.no.acl.found=false',
      'super.users=User:admin;User:ANONYMOUS',
    ],
  }
}

/**
 * A client certificate for `name` signed by the stack's Kafka CA (its principal is `name`).
 * `days: -1` makes one that has already expired.
 */
export function issueClientCertificate(tlsDir: string, name: string, days = 365): Promise<ClientCert> {
  if (!/^[a-zA-Z0-9._-]+$/.test(name))
    throw new Error(`Cannot issue a certificate for "${name}": use letters, digits, . _ -`)
  return signed(tlsDir, `client-${name}${days < 0 ? '-expired' : ''}`, `/CN=${name}`, CLIENT_AUTH, days)
}
