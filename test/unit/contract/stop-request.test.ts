import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  refuseStopRequest,
  STOP_ISSUED_AT_HEADER,
  signStopRequest,
  stopKeyPair,
} from '../../../contract/stop-request.ts'

const target = { jobUid: 'uid-1', generation: 2, slot: 1, attempt: 3 }
const NOW = Date.parse('2026-12-06T10:00:00Z')
const { privateKey, publicKeyPem } = stopKeyPair(undefined)
const headersOf = (record: Record<string, string>) => new Headers(record)

describe('refuseStopRequest()', () => {
  it('accepts a request the operator signed for this worker', () => {
    const headers = headersOf(signStopRequest(privateKey, target, NOW))
    expect(refuseStopRequest(publicKeyPem, target, headers, NOW + 1000)).toBeUndefined()
  })

  it('refuses a request without a signature, signed by another key, or for another attempt', () => {
    expect(refuseStopRequest(publicKeyPem, target, headersOf({}), NOW)).toContain('must carry')
    const stranger = stopKeyPair(undefined)
    const forged = headersOf(signStopRequest(stranger.privateKey, target, NOW))
    expect(refuseStopRequest(publicKeyPem, target, forged, NOW)).toBe(
      'the stop request is not signed by the operator for this worker',
    )
    const other = headersOf(signStopRequest(privateKey, { ...target, attempt: 4 }, NOW))
    expect(refuseStopRequest(publicKeyPem, target, other, NOW)).toBe(
      'the stop request is not signed by the operator for this worker',
    )
  })

  it('refuses a request issued too long ago, and one whose issue time was changed', () => {
    const old = signStopRequest(privateKey, target, NOW - 6 * 60_000)
    expect(refuseStopRequest(publicKeyPem, target, headersOf(old), NOW)).toContain('within the last 5 minutes')
    const moved = { ...signStopRequest(privateKey, target, NOW - 1000), [STOP_ISSUED_AT_HEADER]: String(NOW) }
    expect(refuseStopRequest(publicKeyPem, target, headersOf(moved), NOW)).toBe(
      'the stop request is not signed by the operator for this worker',
    )
  })

  it('refuses every request when the worker has no stop key', () => {
    const headers = headersOf(signStopRequest(privateKey, target, NOW))
    expect(refuseStopRequest(undefined, target, headers, NOW)).toContain('send SIGTERM')
  })
})

describe('stopKeyPair()', () => {
  it('reads an Ed25519 key from PEM and refuses another kind', () => {
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    expect(stopKeyPair(pem).publicKeyPem).toBe(publicKeyPem)
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' })
    expect(() => stopKeyPair(rsa.toString())).toThrow('must be an Ed25519 private key, got rsa')
  })
})
