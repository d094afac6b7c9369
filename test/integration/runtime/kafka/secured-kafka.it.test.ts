/**
 * The Kafka adapter on the stack's secured listeners (stack/kafka-security.ts): every mechanism
 * the StreamJob API offers authenticates, a principal holding exactly the job's ACLs
 * (runtime/kafka/job-acls.ts) can do everything a job does, and each refusal (a credential, a
 * certificate, an ACL) comes back as our error naming the cause and the fix.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import type { KafkaSecurity } from '../../../../contract/kafka-security.ts'
import {
  KafkaAccessDeniedError,
  KafkaAuthenticationError,
  KafkaUnavailableError,
} from '../../../../runtime/kafka/kafka-errors.ts'
import { KafkajsClient } from '../../../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { credentials, type SecuredKind, securedAccess, unsecuredJwt } from '../../../../stack/kafka-credentials.ts'
import { issueClientCertificate } from '../../../../stack/kafka-security.ts'
import { createTopic, kafkaFor } from '../../../../stack/topics.ts'

const { kafka: broker } = inject('stack')
if (!broker) throw new Error('The integration stack has no Kafka broker')
const security = broker.security
const admin = kafkaFor(broker.bootstrap)

async function connected(bootstrap: string, options: KafkaSecurity, hints = {}): Promise<KafkajsClient> {
  const client = new KafkajsClient({
    brokers: [bootstrap],
    security: options,
    aclHints: hints,
    connectionTimeoutMs: 3000,
    coordinatorTimeoutMs: 5000,
  })
  await client.connect()
  return client
}

async function failure(action: () => Promise<unknown>): Promise<Error> {
  const error = await action().then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof Error)) throw new Error('expected a failure, and the call succeeded')
  return error
}

/** What a job does, as a least-privileged principal: read, write in a transaction, commit, find open ones. */
async function jobRoundTrip(kind: SecuredKind, principal: string): Promise<void> {
  const source = await createTopic(admin, `sec-${kind}-in`, 1)
  const sink = await createTopic(admin, `sec-${kind}-out`, 1)
  const access = await securedAccess(admin, security, kind, principal, { sourceTopics: [source], sinkTopic: sink })
  const client = await connected(access.bootstrap, access.security)
  try {
    const id = `${access.transactionalIdPrefix}${randomUUID()}-g1-s0-0`
    const identity = await client.initProducerId(id, 60_000)
    const writer = client.beginTransaction(identity)
    await writer.send([{ topic: sink, partition: 0, key: null, value: Buffer.from(`hello from ${principal}`) }])
    await writer.flush()
    expect(await client.describeOpenTransactions([{ topic: sink, partition: 0 }])).toHaveLength(1)
    expect(await client.endTransaction(identity, true)).toEqual({ kind: 'done' })
    expect(await client.partitionCount(source)).toBe(1)
    await client.listOffsets([{ topic: source, partition: 0 }], 'latest')
    await client.fetch([{ topic: source, partition: 0, offset: 0n }], { maxWaitMs: 10, maxBytesPerPartition: 1024 })
    const committed = await client.listOffsets([{ topic: sink, partition: 0 }], 'latest')
    expect(committed.get(`${sink}/0`) ?? committed.values().next().value).toBe(2n) // the record and the commit marker
    // Closing a hanging transaction is cluster-wide: outside the job's set, and named when refused.
    const denied = await failure(() =>
      client.writeTransactionMarkers([
        { ...identity, commit: false, coordinatorEpoch: 0, partitions: [{ topic: sink, partition: 0 }] },
      ]),
    )
    expect(denied).toBeInstanceOf(KafkaAccessDeniedError)
    expect((denied as KafkaAccessDeniedError).missing).toEqual({ operation: 'Alter', resource: { type: 'cluster' } })
    expect(denied.message).toContain('--operation Alter --cluster')
  } finally {
    await client.close()
  }
}

describe('KafkajsClient on secured listeners, with exactly the job ACLs', () => {
  it('SASL_SSL with SCRAM-SHA-512: reads, writes and commits a transaction; WriteTxnMarkers is refused naming the ACL', () =>
    jobRoundTrip('scram-sha-512', 'job-b'))

  it('SSL with a client certificate (the principal is its CN)', () =>
    jobRoundTrip('mtls', `cert-${randomUUID().slice(0, 6)}`))

  it('SASL_SSL with OAUTHBEARER (a token file)', () => jobRoundTrip('oauthbearer', `oauth-${randomUUID().slice(0, 6)}`))

  it('SCRAM-SHA-256 and PLAIN authenticate the same users', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exactly-sasl-'))
    writeFileSync(join(dir, 'password'), `${security.passwords['job-c']}\n`)
    for (const mechanism of ['scram-sha-256', 'plain'] as const) {
      const client = await connected(security.saslSsl, {
        tls: { caFiles: [security.caFile] },
        sasl: { mechanism, username: 'job-c', passwordFile: join(dir, 'password') },
      })
      await client.close()
    }
  })

  it('refuses an expired OAuth token, and reads the rotated file at the next connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exactly-token-'))
    const tokenFile = join(dir, 'token')
    writeFileSync(tokenFile, unsecuredJwt('rotated-user', -60))
    const options: KafkaSecurity = {
      tls: { caFiles: [security.caFile] },
      sasl: { mechanism: 'oauthbearer', tokenFile },
    }
    const bad = await failure(() => connected(security.saslSsl, options))
    expect(bad).toBeInstanceOf(KafkaAuthenticationError)
    expect(bad.message).toMatch(/The OAuth token in .* expired at .*: whatever refreshes the token Secret has stopped/)
    writeFileSync(tokenFile, unsecuredJwt('rotated-user'))
    await (await connected(security.saslSsl, options)).close()
  })
})

// Concurrent: most of each case is kafkajs retrying a refused connection, which overlaps well.
describe.concurrent('KafkajsClient refusals name the cause and the fix', () => {
  const tls = { caFiles: [security.caFile] }

  it('a wrong SCRAM password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exactly-sasl-'))
    writeFileSync(join(dir, 'password'), 'wrong')
    const error = await failure(() =>
      connected(security.saslSsl, {
        tls,
        sasl: { mechanism: 'scram-sha-512', username: 'job-d', passwordFile: join(dir, 'password') },
      }),
    )
    expect(error).toBeInstanceOf(KafkaAuthenticationError)
    expect((error as KafkaAuthenticationError).errorType).toBe('SASL_AUTHENTICATION_FAILED')
    expect(error.message).toContain('password')
    expect(error.message).not.toContain(security.passwords['job-d'])
  })

  it('a password file that does not exist (a missing Secret key)', async () => {
    const error = await failure(() =>
      connected(security.saslSsl, {
        tls,
        sasl: { mechanism: 'scram-sha-512', username: 'job-d', passwordFile: '/nonexistent/password' },
      }),
    )
    expect(error).toBeInstanceOf(KafkaAuthenticationError)
    expect(error.message).toMatch(/Cannot read the Kafka SASL password file \/nonexistent\/password \(ENOENT\)/)
  })

  it('a broker certificate from a CA the client does not trust', async () => {
    const error = await failure(() => connected(security.mtls, { tls: { caFiles: [] } }))
    expect(error).toBeInstanceOf(KafkaAuthenticationError)
    expect((error as KafkaAuthenticationError).errorType).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    expect(error.message).toContain('spec.kafka.tls.trustedCertificates')
  })

  it('an expired client certificate', async () => {
    const cert = await issueClientCertificate(security.tlsDir, 'expired-user', -1)
    const error = await failure(() =>
      connected(security.mtls, { tls: { ...tls, certFile: cert.certFile, keyFile: cert.keyFile } }),
    )
    expect(error).toBeInstanceOf(KafkaAuthenticationError)
    expect((error as KafkaAuthenticationError).errorType).toBe('CLIENT_CERTIFICATE_REJECTED')
    expect(error.message).toContain('renew it')
  })

  it('a plaintext client at a TLS listener', async () => {
    const error = await failure(() => connected(security.saslSsl, {}))
    expect(error).toBeInstanceOf(KafkaUnavailableError)
    expect(error.message).toContain('if this listener uses TLS, set spec.kafka.tls')
  })

  it('a TLS client at the plaintext listener', async () => {
    const error = await failure(() => connected(broker.bootstrap, { tls }))
    expect(error).toBeInstanceOf(KafkaUnavailableError)
    expect(error.message).toContain('if this listener is plaintext, remove spec.kafka.tls')
  })

  it('a missing ACL on the source topic and on the transactional ids, each named with its kafka-acls command', async () => {
    const source = await createTopic(admin, 'sec-noacl-in', 1)
    const access = await credentials(security, 'oauthbearer', `noacl-${randomUUID().slice(0, 6)}`)
    const client = await connected(access.bootstrap, access.security, {
      principal: access.principal,
      transactionalIdPrefix: 'mine.',
    })
    try {
      const read = await failure(() =>
        client.fetch([{ topic: source, partition: 0, offset: 0n }], { maxWaitMs: 10, maxBytesPerPartition: 1024 }),
      )
      expect(read).toBeInstanceOf(KafkaAccessDeniedError)
      expect(read.message).toContain(`Read on topic "${source}"`)
      expect(read.message).toContain(`--allow-principal User:${access.principal} --operation Read --topic ${source}`)
      const init = await failure(() => client.initProducerId('mine.x-g1-s0-0', 60_000))
      expect(init).toBeInstanceOf(KafkaAccessDeniedError)
      expect(init.message).toContain('--operation Write --transactional-id mine. --resource-pattern-type prefixed')
    } finally {
      await client.close()
    }
  })
})
