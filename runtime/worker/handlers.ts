/**
 * The worker's HTTP endpoints as `(Request) → Response` over a status snapshot, so tests call
 * them without a server; `serve.ts` binds them to node:http.
 *   GET /healthz  200 while the process is alive and not Failed
 *   GET /readyz   200 once restored and running
 *   GET /metrics  Prometheus text
 *   GET /status   WorkerStatus JSON (what the operator reads)
 *   POST /stop    graceful stop: final checkpoint, commit, exit 0 (202 Accepted), only when signed
 *                 by the operator for this worker (contract/stop-request.ts); 401 otherwise
 *   POST /savepoint/hold, /savepoint/release
 *                 a savepoint while running (contract/worker-savepoint.ts), signed the same way:
 *                 202 taken, 400 bad parameters, 401 not the operator's, 409 refused here
 * Answers never quote a failure's message (it may hold record contents): /healthz names the
 * reason, /status carries the worker's public failure text.
 */

import type { WorkerCommand } from '../../contract/stop-request.ts'
import { parseSavepointStep, type SavepointStep, savepointStepCommand } from '../../contract/worker-savepoint.ts'
import type { WorkerStatus } from '../../contract/worker-status.ts'
import type { Registry } from './prom-client-core.ts'

export interface WorkerEndpoints {
  status(): WorkerStatus
  registry: Registry
  requestStop(reason: string): void
  /** Undefined when `request` is a stop the operator signed for this worker; else why not. */
  refuseStop(request: Request, command?: WorkerCommand): string | undefined
  savepoint(step: SavepointStep): { accepted: true } | { accepted: false; reason: string }
}

export function workerHandler(endpoints: WorkerEndpoints): (request: Request) => Promise<Response> {
  return async (request) => {
    const { pathname } = new URL(request.url)
    const method = request.method
    const status = endpoints.status()
    if (method === 'GET' && pathname === '/healthz') {
      return status.phase === 'Failed'
        ? text(500, `failed: ${status.failure?.reason ?? 'unknown'}\n`)
        : text(200, 'ok\n')
    }
    if (method === 'GET' && pathname === '/readyz') {
      return status.ready ? text(200, 'ready\n') : text(503, `not ready: ${status.phase}\n`)
    }
    if (method === 'GET' && pathname === '/metrics') {
      return new Response(await endpoints.registry.metrics(), {
        headers: { 'content-type': endpoints.registry.contentType },
      })
    }
    if (method === 'GET' && pathname === '/status') {
      return new Response(JSON.stringify(status), { headers: { 'content-type': 'application/json' } })
    }
    if (method === 'POST' && pathname === '/stop') {
      const refused = endpoints.refuseStop(request)
      if (refused) return text(401, `not stopping: ${refused}\n`)
      endpoints.requestStop('stop requested by the operator over HTTP')
      return text(202, 'stopping: final checkpoint, then exit\n')
    }
    if (method === 'POST' && pathname.startsWith('/savepoint/')) {
      const step = parseSavepointStep(new URL(request.url))
      if (typeof step === 'string') return text(400, `not a savepoint request: ${step}\n`)
      const refused = endpoints.refuseStop(request, savepointStepCommand(step))
      if (refused) return text(401, `not taken: ${refused}\n`)
      const answer = endpoints.savepoint(step)
      return answer.accepted ? text(202, `savepoint ${step.step}: taken\n`) : text(409, `${answer.reason}\n`)
    }
    if (
      ['/healthz', '/readyz', '/metrics', '/status', '/stop'].includes(pathname) ||
      pathname.startsWith('/savepoint')
    ) {
      return text(405, `${method} is not allowed on ${pathname}\n`)
    }
    return text(404, `no such endpoint ${pathname}; try /status, /metrics, /healthz, /readyz or POST /stop\n`)
  }
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } })
}
