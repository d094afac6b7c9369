import { describe, expect, it } from 'vitest'
import { KafkaFlagsError, kafkaSecurityFromFlags } from '../../../runtime/cli/kafka-flags.ts'

describe('kafkaSecurityFromFlags', () => {
  it('is plaintext without flags', () => {
    expect(kafkaSecurityFromFlags({})).toEqual({})
  })

  it('reads TLS and SCRAM from files', () => {
    expect(
      kafkaSecurityFromFlags({
        'tls-ca': ['ca.crt'],
        'sasl-mechanism': 'scram-sha-512',
        'sasl-username': 'job',
        'sasl-password-file': 'pw',
      }),
    ).toEqual({
      tls: { caFiles: ['ca.crt'] },
      sasl: { mechanism: 'scram-sha-512', username: 'job', passwordFile: 'pw' },
    })
  })

  it('names the flag to fix', () => {
    expect(() => kafkaSecurityFromFlags({ 'sasl-mechanism': 'scram-sha-512', 'sasl-username': 'job' })).toThrow(
      /--sasl-password-file/,
    )
    expect(() => kafkaSecurityFromFlags({ 'tls-cert': 'c.crt' })).toThrow(/certFile and keyFile go together/)
    expect(() => kafkaSecurityFromFlags({ 'sasl-mechanism': 'oauthbearer' })).toThrow(/--oauth-token-file/)
    expect(() => kafkaSecurityFromFlags({ 'sasl-mechanism': 'gssapi' })).toThrow(/--sasl-mechanism/)
    // A usage error (verify exits 2 on it), not a finding.
    expect(() => kafkaSecurityFromFlags({ 'sasl-mechanism': 'gssapi' })).toThrow(KafkaFlagsError)
  })
})
