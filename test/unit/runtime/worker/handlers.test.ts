import { describe, expect, it } from 'vitest'
import { refuseStopRequest, signStopRequest, stopKeyPair } from '../../../../contract/stop-request.ts'
import { initialWorkerStatus, type WorkerStatus } from '../../../../contract/worker-status.ts'
import { workerHandler } from '../../../../runtime/worker/handlers.ts'
import { createWorkerMetrics } from '../../../../runtime/worker/worker-metrics.ts'

const NOW = Date.parse('2026-12-06T10:00:00Z')
const target = { jobUid: 'uid-1', generation: 1, slot: 1, attempt: 2 }
const { privateKey, publicKeyPem } = stopKeyPair(undefined)

function setup(patch: Partial<WorkerStatus> = {}) {
  const metrics = createWorkerMetrics({ job: 'wc', namespace: 'ns', slot: 1 })
  const status = {
    ...initialWorkerStatus({ namespace: 'ns', name: 'wc', slot: 1, generation: 1, attempt: 2 }),
    ...patch,
  }
  const stops: string[] = []
  const handle = workerHandler({
    status: () => status,
    registry: metrics.registry,
    requestStop: (r) => stops.push(r),
    refuseStop: (request) => refuseStopRequest(publicKeyPem, target, request.headers, NOW),
  })
  const call = (path: string, method = 'GET', headers: Record<string, string> = {}) =>
    handle(new Request(`http://worker${path}`, { method, headers }))
  return { metrics, call, stops }
}

describe('workerHandler()', () => {
  it('/readyz is 503 until the worker is restored and running, then 200', async () => {
    expect((await setup().call('/readyz')).status).toBe(503)
    expect((await setup({ phase: 'Running', ready: true }).call('/readyz')).status).toBe(200)
  })

  it('/healthz fails once the worker has failed, naming the reason and not the message (it may quote a record)', async () => {
    const res = await setup({ phase: 'Failed', failure: { reason: 'RecordFailed', message: 'boom' } }).call('/healthz')
    expect(res.status).toBe(500)
    const body = await res.text()
    expect(body).toBe('failed: RecordFailed\n')
  })

  it('/status returns the status JSON the operator reads', async () => {
    const body = (await (await setup({ recordsIn: 42 }).call('/status')).json()) as WorkerStatus
    expect(body).toMatchObject({ formatVersion: 1, slot: 1, attempt: 2, recordsIn: 42, job: { name: 'wc' } })
  })

  it('/metrics serves Prometheus text with job and slot labels', async () => {
    const { metrics, call } = setup()
    metrics.recordsIn.inc(5)
    const text = await (await call('/metrics')).text()
    expect(text).toContain('exactly_records_in_total{job="wc",namespace="ns",slot="1"} 5')
  })

  it('POST /stop signed by the operator for this worker asks for a graceful stop; GET /stop is refused', async () => {
    const { call, stops } = setup()
    expect((await call('/stop', 'POST', signStopRequest(privateKey, target, NOW))).status).toBe(202)
    expect(stops).toEqual(['stop requested by the operator over HTTP'])
    expect((await call('/stop')).status).toBe(405)
  })

  it('POST /stop without the operator signature is refused with 401 and stops nothing', async () => {
    const { call, stops } = setup()
    const unsigned = await call('/stop', 'POST')
    expect(unsigned.status).toBe(401)
    expect(await unsigned.text()).toContain('must carry x-exactly-stop-signature')
    const stranger = stopKeyPair(undefined).privateKey
    expect((await call('/stop', 'POST', signStopRequest(stranger, target, NOW))).status).toBe(401)
    expect(stops).toEqual([])
  })

  it('an unknown path lists the endpoints', async () => {
    expect(await (await setup().call('/nope')).text()).toContain('try /status')
  })
})
