/**
 * The worker's stop request, authenticated: only the operator may ask a worker to stop with a
 * final checkpoint over HTTP. The operator signs the request with its Ed25519 private key; the
 * worker config carries the matching public key (not a secret), and the worker verifies the
 * signature, that the request names this very worker (job uid, generation, slot, attempt), and
 * that it was issued recently. Anyone else gets 401 and the worker keeps running. SIGTERM (a
 * pod deletion) still stops a worker the same way: Kubernetes RBAC guards that path.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto'

/** Which worker a request is for: a request for one attempt cannot stop another. */
export interface StopTarget {
  jobUid: string
  generation: number
  slot: number
  attempt: number
}

export const STOP_SIGNATURE_HEADER = 'x-exactly-stop-signature'
export const STOP_ISSUED_AT_HEADER = 'x-exactly-stop-issued-at'
/** How far the issue time may be from the worker's clock; a captured request is useless after it. */
export const STOP_MAX_SKEW_MS = 5 * 60_000

/**
 * What a signed request asks of a worker: to stop, or a step of a savepoint taken while the job
 * runs (contract/worker-savepoint.ts). The command is part of the signed text, so a signature for
 * one command, or for one savepoint, is worth nothing for another.
 */
export type WorkerCommand = 'stop' | `savepoint-hold ${string}` | `savepoint-release ${string}`

/** The signed text: command, target and time, nothing a third party could reuse for another worker. */
export function stopRequestText(target: StopTarget, issuedAtMs: number, command: WorkerCommand = 'stop'): string {
  return `exactly-${command}\n${target.jobUid}\ng${target.generation}\ns${target.slot}\na${target.attempt}\n${issuedAtMs}`
}

export function signStopRequest(
  privateKey: KeyObject,
  target: StopTarget,
  nowMs: number,
  command: WorkerCommand = 'stop',
): Record<string, string> {
  const signature = sign(null, Buffer.from(stopRequestText(target, nowMs, command)), privateKey)
  return { [STOP_SIGNATURE_HEADER]: signature.toString('base64'), [STOP_ISSUED_AT_HEADER]: String(nowMs) }
}

/** Undefined when the request is the operator's for this worker; else why it is refused. */
export function refuseStopRequest(
  publicKeyPem: string | undefined,
  target: StopTarget,
  headers: { get(name: string): string | null },
  nowMs: number,
  command: WorkerCommand = 'stop',
): string | undefined {
  const what = command === 'stop' ? 'stop' : 'savepoint'
  if (!publicKeyPem)
    return `this worker takes no ${what} requests over HTTP (no stop key in its config)${what === 'stop' ? ': send SIGTERM' : ''}`
  const signature = headers.get(STOP_SIGNATURE_HEADER)
  const issuedAt = Number(headers.get(STOP_ISSUED_AT_HEADER))
  if (!signature || !Number.isFinite(issuedAt)) {
    return `a ${what} request must carry ${STOP_SIGNATURE_HEADER} and ${STOP_ISSUED_AT_HEADER}`
  }
  if (Math.abs(nowMs - issuedAt) > STOP_MAX_SKEW_MS)
    return `the ${what} request was not issued within the last 5 minutes`
  let key: KeyObject
  try {
    key = createPublicKey(publicKeyPem)
  } catch {
    return 'the stop key in the worker config is not a public key'
  }
  const text = Buffer.from(stopRequestText(target, issuedAt, command))
  const valid = (() => {
    try {
      return verify(null, text, key, Buffer.from(signature, 'base64'))
    } catch {
      return false
    }
  })()
  return valid ? undefined : `the ${what} request is not signed by the operator for this worker`
}

/** The operator's key pair: from PEM (a Secret the chart keeps), or a new one for this process. */
export function stopKeyPair(privateKeyPem: string | undefined): { privateKey: KeyObject; publicKeyPem: string } {
  const privateKey = privateKeyPem ? createPrivateKey(privateKeyPem) : generateKeyPairSync('ed25519').privateKey
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`Invalid stop signing key: must be an Ed25519 private key, got ${privateKey.asymmetricKeyType}`)
  }
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString()
  return { privateKey, publicKeyPem }
}
