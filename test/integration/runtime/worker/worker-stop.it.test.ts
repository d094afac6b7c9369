/**
 * Who may stop a worker over HTTP: only the operator, with a stop request signed for that very
 * worker (contract/stop-request.ts). A real worker process refuses an unsigned request, one
 * signed with another key and one signed for another attempt, and goes on processing; the
 * operator's request stops it with a final checkpoint, and the output is exact.
 */
import { describe, expect, it } from 'vitest'
import { signStopRequest, stopKeyPair } from '../../../../contract/stop-request.ts'
import { waitFor } from '../../../../stack/wait.ts'
import { useScenarioContext, WordCountScenario } from '../../helpers/word-count-scenario.ts'
import { type WorkerProcess, waitForExit } from '../../helpers/worker-process.ts'

const ctx = useScenarioContext()

const postStop = (worker: WorkerProcess, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${worker.port}/stop`, { method: 'POST', headers, signal: AbortSignal.timeout(2000) })

describe('exactly worker POST /stop', () => {
  it('refuses whoever is not the operator, and stops cleanly on the operator request', async () => {
    const operator = stopKeyPair(undefined)
    const run = await WordCountScenario.create(ctx, 'stop-auth', { stopKey: operator.publicKeyPem, inputRecords: 900 })
    const target = { jobUid: run.job.uid, generation: 1, slot: 0, attempt: 1 }
    run.feed()
    const worker = await run.start(0, 1)
    await waitFor('the worker serves its endpoints', () => worker.status().then(() => true), 30_000)

    const unsigned = await postStop(worker)
    expect(unsigned.status).toBe(401)
    expect(await unsigned.text()).toContain('must carry x-exactly-stop-signature')
    const stranger = stopKeyPair(undefined).privateKey
    expect((await postStop(worker, signStopRequest(stranger, target, Date.now()))).status).toBe(401)
    const otherAttempt = signStopRequest(operator.privateKey, { ...target, attempt: 2 }, Date.now())
    expect((await postStop(worker, otherAttempt)).status).toBe(401)
    const stale = signStopRequest(operator.privateKey, target, Date.now() - 10 * 60_000)
    expect((await postStop(worker, stale)).status).toBe(401)

    // Refused requests change nothing: the worker goes on to read the whole input.
    expect(['Restoring', 'Running']).toContain((await worker.status()).phase)
    await run.runToEnd([worker], async (w) => {
      const accepted = await postStop(w, signStopRequest(operator.privateKey, target, Date.now()))
      expect(accepted.status).toBe(202)
    })
    expect(worker.tail(40)).toContain('stop requested by the operator over HTTP')
    await run.verify()
  })
})

describe('exactly worker SIGTERM while starting', () => {
  // In a container the worker is PID 1, and PID 1 never sees a signal it has no handler for: a
  // handler installed only after loading let a pod deleted while starting run until SIGKILL.
  it('is handled from the first moment: the worker stops (exit 0) instead of being killed; the next attempt is exact', async () => {
    const run = await WordCountScenario.create(ctx, 'stop-loading', { inputRecords: 300 })
    run.feed(20)
    const loading = await run.start(0, 1)
    // Its first line comes before the worker's modules load (a few hundred ms): signal on seeing it.
    await new Promise<void>((resolve, reject) => {
      setTimeout(() => reject(new Error(`no "worker starting" line in 15 s; the log:\n${loading.tail()}`)), 15_000)
      const seen = (chunk: Buffer) => {
        if (!chunk.toString().includes('worker starting: loading')) return
        loading.child.stdout?.off('data', seen)
        resolve()
      }
      loading.child.stdout?.on('data', seen)
    })
    loading.signal('SIGTERM')
    // Outside a container an unhandled SIGTERM kills the process (in one, as PID 1, it is lost):
    // exit code 0 shows it was handled. Loading rarely yields to the event loop, so the signal is
    // often taken only once the worker's own handler is in place: then it stops after restoring.
    expect(await waitForExit(loading, 10_000)).toEqual({ code: 0, signal: null })
    expect(loading.tail()).toMatch(/SIGTERM while starting: exiting before any work|"reason":"SIGTERM"/)

    const worker = await run.start(0, 2)
    await run.runToEnd([worker])
    await run.verify()
  })
})
