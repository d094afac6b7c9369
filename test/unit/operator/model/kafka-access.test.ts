import { describe, expect, it } from 'vitest'
import { kafkaAccess, kafkaSecretsState } from '../../../../operator/model/kafka-access.ts'
import { desiredWorkerPod } from '../../../../operator/model/worker-pod.ts'
import { streamJob } from '../fixtures.ts'

const base = streamJob().spec.kafka

describe('kafkaAccess', () => {
  it('is plaintext with no volume when spec.kafka has no tls and no authentication', () => {
    expect(kafkaAccess(base)).toEqual({ security: {}, volumes: [], mounts: [], secretKeys: [] })
  })

  it('mounts a Strimzi cluster CA and KafkaUser Secret, one volume per Secret with only the keys used', () => {
    const access = kafkaAccess({
      ...base,
      tls: { trustedCertificates: [{ secretName: 'my-cluster-cluster-ca-cert', certificate: 'ca.crt' }] },
      authentication: {
        type: 'scram-sha-512',
        username: 'orders-job',
        passwordSecret: { secretName: 'orders-job', password: 'password' },
      },
    })
    expect(access.security).toEqual({
      tls: { caFiles: ['/etc/exactly-kafka/kafka-0/ca.crt'] },
      sasl: { mechanism: 'scram-sha-512', username: 'orders-job', passwordFile: '/etc/exactly-kafka/kafka-1/password' },
    })
    expect(access.volumes).toEqual([
      {
        name: 'kafka-0',
        secret: { secretName: 'my-cluster-cluster-ca-cert', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
      },
      { name: 'kafka-1', secret: { secretName: 'orders-job', items: [{ key: 'password', path: 'password' }] } },
    ])
    expect(access.mounts.map((m) => m.mountPath)).toEqual(['/etc/exactly-kafka/kafka-0', '/etc/exactly-kafka/kafka-1'])
  })

  it('puts a client certificate and key from one Secret into one volume, and an OAuth token file', () => {
    const mtls = kafkaAccess({
      ...base,
      tls: {},
      authentication: { type: 'tls', certificateAndKey: { secretName: 'u', certificate: 'user.crt', key: 'user.key' } },
    })
    expect(mtls.security.tls).toEqual({
      caFiles: [],
      certFile: '/etc/exactly-kafka/kafka-0/user.crt',
      keyFile: '/etc/exactly-kafka/kafka-0/user.key',
    })
    expect(mtls.volumes).toHaveLength(1)
    const oauth = kafkaAccess({
      ...base,
      tls: {},
      authentication: { type: 'oauth', accessToken: { secretName: 't', key: 'token' } },
    })
    expect(oauth.security.sasl).toEqual({ mechanism: 'oauthbearer', tokenFile: '/etc/exactly-kafka/kafka-0/token' })
  })

  it('reaches the worker pod as secret volumes and its config as file paths, never as values', () => {
    const job = streamJob()
    job.spec.kafka.tls = {}
    job.spec.kafka.authentication = {
      type: 'plain',
      username: 'u',
      passwordSecret: { secretName: 'cc', password: 'pw' },
    }
    job.spec.kafka.transactionalIdPrefix = 'orders.'
    const pod = desiredWorkerPod(
      job,
      { generation: 1, slot: 0, attempt: 1 },
      {
        revision: 'r',
        terminationGracePeriodSeconds: 30,
        durations: {
          checkpointIntervalMs: 1000,
          checkpointTimeoutMs: 1000,
          transactionTimeoutMs: 60_000,
          backoffInitialMs: 1,
          backoffMaxMs: 1,
        } as never,
      },
    )
    expect(pod.spec?.volumes?.map((v) => v.name)).toEqual(['config', 'kafka-0'])
    expect(pod.spec?.containers[0]?.volumeMounts?.map((m) => m.mountPath)).toContain('/etc/exactly-kafka/kafka-0')
    const config = JSON.parse(pod.metadata?.annotations?.['exactly.dev/config'] ?? '{}')
    expect(config.kafka.security.sasl).toEqual({
      mechanism: 'plain',
      username: 'u',
      passwordFile: '/etc/exactly-kafka/kafka-0/pw',
    })
    expect(config.kafka.transactionalIdPrefix).toBe('orders.')
  })
})

describe('kafkaSecretsState', () => {
  const uses = kafkaAccess({
    ...base,
    tls: { trustedCertificates: [{ secretName: 'ca', certificate: 'ca.crt' }] },
    authentication: {
      type: 'scram-sha-512',
      username: 'u',
      passwordSecret: { secretName: 'user', password: 'password' },
    },
  }).secretKeys
  const found = (ca: string, password: string) =>
    new Map([
      ['ca', { 'ca.crt': ca }],
      ['user', { password, 'sasl.jaas.config': 'x' }],
    ])

  it('hashes the values it mounts, so a renewed certificate or a changed password changes the hash', () => {
    const a = kafkaSecretsState(uses, found('Q0Ex', 'cHcx'))
    expect(a.hash).toMatch(/^[0-9a-f]{16}$/)
    expect(kafkaSecretsState(uses, found('Q0Ex', 'cHcx')).hash).toBe(a.hash)
    expect(kafkaSecretsState(uses, found('Q0Ey', 'cHcx')).hash).not.toBe(a.hash)
    expect(kafkaSecretsState(uses, found('Q0Ex', 'cHcy')).hash).not.toBe(a.hash)
  })

  it('names a missing Secret or key, with the field and the keys there are', () => {
    expect(
      kafkaSecretsState(
        uses,
        new Map([
          ['ca', { 'ca.crt': 'x' }],
          ['user', undefined],
        ]),
      ).missing,
    ).toBe(
      'Secret "user" named by spec.kafka.authentication.passwordSecret does not exist: create it (a Strimzi KafkaUser or cluster CA Secret appears once Strimzi has made it) or correct the name; the worker pods wait for it',
    )
    expect(
      kafkaSecretsState(
        uses,
        new Map([
          ['ca', { 'tls.crt': 'x' }],
          ['user', {}],
        ]),
      ).missing,
    ).toBe(
      'Secret "ca" has no key "ca.crt" (named by spec.kafka.tls.trustedCertificates[0]; its keys: tls.crt): correct the key or add it to the Secret',
    )
  })

  it('does not roll for a new OAuth token, which each connection reads again', () => {
    const oauth = kafkaAccess({
      ...base,
      tls: {},
      authentication: { type: 'oauth', accessToken: { secretName: 't', key: 'token' } },
    })
    const state = (token: string) => kafkaSecretsState(oauth.secretKeys, new Map([['t', { token }]]))
    expect(state('dG9rMQ').hash).toBe(state('dG9rMg').hash)
  })

  it('is empty for a job without Secrets', () => {
    expect(kafkaSecretsState([], new Map())).toEqual({})
  })
})
