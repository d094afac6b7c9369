import { describe, expect, it } from 'vitest'
import { refuseStopRequest, signStopRequest, stopKeyPair } from '../../../../contract/stop-request.ts'
import { type SavepointStep, savepointStepCommand, savepointStepPath } from '../../../../contract/worker-savepoint.ts'
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
  const savepointSteps: SavepointStep[] = []
  const handle = workerHandler({
    status: () => status,
    registry: metrics.registry,
    requestStop: (r) => stops.push(r),
    refuseStop: (request, command) => refuseStopRequest(publicKeyPem, target, request.headers, NOW, command),
    savepoint: (step) => {
      savepointSteps.push(step)
      return step.name === 'busy' ? { accepted: false, reason: 'savepoint "other" is in progress' } : { accepted: true }
    },
  })
  const call = (path: string, method = 'GET', headers: Record<string, string> = {}) =>
    handle(new Request(`http://worker${path}`, { method, headers }))
  return { metrics, call, stops, savepointSteps }
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

  it('POST /savepoint/hold and /release take a step only when the operator signed that very step', async () => {
    const { call, savepointSteps } = setup()
    const hold: SavepointStep = { step: 'hold', name: 'sp-g1-nightly' }
    const signed = (s: SavepointStep) => signStopRequest(privateKey, target, NOW, savepointStepCommand(s))
    expect((await call(savepointStepPath(hold), 'POST', signed(hold))).status).toBe(202)
    const release: SavepointStep = { step: 'release', name: 'sp-g1-nightly', keep: true, dispose: ['sp-g1-old'] }
    expect((await call(savepointStepPath(release), 'POST', signed(release))).status).toBe(202)
    expect(savepointSteps).toEqual([hold, release])
    // A stop's signature, or another savepoint's, is worth nothing here; nor is another dispose list.
    const stopSigned = await call(savepointStepPath(hold), 'POST', signStopRequest(privateKey, target, NOW))
    expect(stopSigned.status).toBe(401)
    expect(await stopSigned.text()).toContain('the savepoint request is not signed by the operator')
    const other = signed({ step: 'hold', name: 'sp-g1-other' })
    expect((await call(savepointStepPath(hold), 'POST', other)).status).toBe(401)
    const moreDisposed = savepointStepPath({ ...release, dispose: ['sp-g1-old', 'sp-g1-keepme'] })
    expect((await call(moreDisposed, 'POST', signed(release))).status).toBe(401)
    expect(savepointSteps).toHaveLength(2)
  })

  it('a savepoint request with bad parameters is 400, one the slot refuses 409, a GET 405', async () => {
    const { call } = setup()
    const bad = await call('/savepoint/hold?name=a%2Fb', 'POST')
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('name must be a savepoint name')
    expect((await call('/savepoint/release?name=x&keep=yes', 'POST')).status).toBe(400)
    const busy: SavepointStep = { step: 'hold', name: 'busy' }
    const refused = await call(
      savepointStepPath(busy),
      'POST',
      signStopRequest(privateKey, target, NOW, savepointStepCommand(busy)),
    )
    expect(refused.status).toBe(409)
    expect(await refused.text()).toContain('is in progress')
    expect((await call('/savepoint/hold?name=x')).status).toBe(405)
  })

  it('an unknown path lists the endpoints', async () => {
    expect(await (await setup().call('/nope')).text()).toContain('try /status')
  })
})
