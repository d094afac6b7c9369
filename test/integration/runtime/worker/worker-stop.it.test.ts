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
import type { WorkerProcess } from '../../helpers/worker-process.ts'

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
