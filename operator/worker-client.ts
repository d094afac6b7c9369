/**
 * The operator's side of the worker HTTP contract (runtime/worker/handlers.ts): read a worker's
 * /status, ask it to stop with POST /stop. Short timeouts: a worker that does not answer is
 * reported as such, never waited for.
 */

import { WORKER_PORT } from '../contract/defaults.ts'
import type { WorkerStatus } from '../contract/worker-status.ts'

const TIMEOUT_MS = 1500

export async function readWorkerStatus(podIP: string, port = WORKER_PORT): Promise<WorkerStatus | undefined> {
  try {
    const res = await fetch(`http://${podIP}:${port}/status`, { signal: AbortSignal.timeout(TIMEOUT_MS) })
    if (!res.ok) return undefined
    return (await res.json()) as WorkerStatus
  } catch {
    return undefined
  }
}

/** POST /stop with the headers of a signed stop request (contract/stop-request.ts). */
export async function requestWorkerStop(
  podIP: string,
  signed: Record<string, string>,
  port = WORKER_PORT,
): Promise<boolean> {
  try {
    const res = await fetch(`http://${podIP}:${port}/stop`, {
      method: 'POST',
      headers: signed,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
    return res.status === 202
  } catch {
    return false
  }
}
