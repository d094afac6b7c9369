import { describe, expect, it } from 'vitest'
import { initialWorkerStatus, type WorkerStatus } from '../../../../contract/worker-status.ts'
import { workerHandler } from '../../../../runtime/worker/handlers.ts'
import { createWorkerMetrics } from '../../../../runtime/worker/worker-metrics.ts'

function setup(patch: Partial<WorkerStatus> = {}) {
  const metrics = createWorkerMetrics({ job: 'wc', namespace: 'ns', slot: 1 })
  const status = {
    ...initialWorkerStatus({ namespace: 'ns', name: 'wc', slot: 1, generation: 1, attempt: 2 }),
    ...patch,
  }
  const stops: string[] = []
  const handle = workerHandler({ status: () => status, registry: metrics.registry, requestStop: (r) => stops.push(r) })
  const call = (path: string, method = 'GET') => handle(new Request(`http://worker${path}`, { method }))
  return { metrics, call, stops }
}

describe('workerHandler()', () => {
  it('/readyz is 503 until the worker is restored and running, then 200', async () => {
    expect((await setup().call('/readyz')).status).toBe(503)
    expect((await setup({ phase: 'Running', ready: true }).call('/readyz')).status).toBe(200)
  })

  it('/healthz fails once the worker has failed, with the reason', async () => {
    const res = await setup({ phase: 'Failed', failure: { reason: 'RecordFailed', message: 'boom' } }).call('/healthz')
    expect(res.status).toBe(500)
    expect(await res.text()).toContain('boom')
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

  it('POST /stop asks for a graceful stop; GET /stop is refused', async () => {
    const { call, stops } = setup()
    expect((await call('/stop', 'POST')).status).toBe(202)
    expect(stops).toEqual(['stop requested over HTTP'])
    expect((await call('/stop')).status).toBe(405)
  })

  it('an unknown path lists the endpoints', async () => {
    expect(await (await setup().call('/nope')).text()).toContain('try /status')
  })
})
