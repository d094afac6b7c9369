/**
 * The operator's side of the worker HTTP contract (runtime/worker/handlers.ts): read a worker's
 * /status, ask it to stop with POST /stop, take a savepoint's steps. Short timeouts: a worker that does not answer is
 * reported as such, never waited for.
 */

import { WORKER_PORT } from '../contract/defaults.ts'
import { type SavepointStep, savepointStepPath } from '../contract/worker-savepoint.ts'
import { parseWorkerStatus, type WorkerStatus } from '../contract/worker-status.ts'

const TIMEOUT_MS = 1500

/**
 * The most of a /status body the operator reads. A real report is a few KiB; the bound keeps a
 * hostile or broken worker from filling the operator's heap, which every job shares.
 */
export const MAX_STATUS_BYTES = 256 * 1024

/** What asking a worker for its /status came to. */
export type WorkerStatusAnswer =
  | { kind: 'ok'; status: WorkerStatus }
  /** No connection, no answer within the timeout, or an HTTP error: a worker not (yet) there. */
  | { kind: 'unreachable'; reason: string }
  /** An answer the operator will not use: larger than the bound, not JSON, or not a worker status. */
  | { kind: 'malformed'; reason: string }

/**
 * GET /status of the worker at `podIP`, read up to `maxBytes` and checked by the contract's
 * schema. Never throws. A body past the bound is refused as soon as the bound is passed (the
 * connection is dropped; the rest is never read), so it costs the operator `maxBytes` at most.
 */
export async function readWorkerStatus(
  podIP: string,
  port = WORKER_PORT,
  maxBytes = MAX_STATUS_BYTES,
): Promise<WorkerStatusAnswer> {
  // Aborting drops the connection; reading a large body to its end just to reuse it would defeat the bound.
  const drop = new AbortController()
  try {
    const signal = AbortSignal.any([drop.signal, AbortSignal.timeout(TIMEOUT_MS)])
    const res = await fetch(`http://${podIP}:${port}/status`, { signal })
    if (!res.ok) return { kind: 'unreachable', reason: `GET /status answered HTTP ${res.status}` }
    const tooLarge = {
      kind: 'malformed',
      reason: `worker status is larger than ${maxBytes} bytes; a worker reports a few KiB, so this is not an exactly worker answering`,
    } as const
    if (Number(res.headers.get('content-length') ?? 0) > maxBytes) return tooLarge
    const body = res.body ? await readAtMost(res.body, maxBytes) : ''
    if (body === undefined) return tooLarge
    const parsed = parseWorkerStatus(body)
    return parsed.ok ? { kind: 'ok', status: parsed.status } : { kind: 'malformed', reason: parsed.reason }
  } catch (error) {
    return { kind: 'unreachable', reason: unreachableReason(error) }
  } finally {
    drop.abort()
  }
}

/** The body as text, or undefined (and the stream cancelled) once it passes `maxBytes`. */
async function readAtMost(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<string | undefined> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const parts: string[] = []
  let received = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    received += value.byteLength
    if (received > maxBytes) {
      await reader.cancel().catch(() => {})
      return undefined
    }
    parts.push(decoder.decode(value, { stream: true }))
  }
  parts.push(decoder.decode())
  return parts.join('')
}

function unreachableReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS} ms`
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined
  return cause?.code ?? (error instanceof Error ? error.message : String(error))
}

/** POST /stop with the headers of a signed stop request (contract/stop-request.ts). */
export async function requestWorkerStop(
  podIP: string,
  signed: Record<string, string>,
  port = WORKER_PORT,
): Promise<boolean> {
  return postSigned(podIP, '/stop', signed, port)
}

/** A savepoint step (contract/worker-savepoint.ts), signed for it: true once the worker took it (202). */
export async function requestWorkerSavepointStep(
  podIP: string,
  step: SavepointStep,
  signed: Record<string, string>,
  port = WORKER_PORT,
): Promise<boolean> {
  return postSigned(podIP, savepointStepPath(step), signed, port)
}

async function postSigned(podIP: string, path: string, signed: Record<string, string>, port: number) {
  try {
    const res = await fetch(`http://${podIP}:${port}${path}`, {
      method: 'POST',
      headers: signed,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
    return res.status === 202
  } catch {
    return false
  }
}
