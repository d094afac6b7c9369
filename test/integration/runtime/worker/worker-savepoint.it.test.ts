/**
 * A savepoint taken while the job runs (contract/worker-savepoint.ts), driven as the operator
 * drives it: real worker processes of two slots take the signed hold, cut at their next
 * checkpoint and hold their commits while they go on processing; released, slot 0 writes the
 * savepoint. The job's own output stays exact, and the savepoint, restored by its URI into a new
 * job with another name, storage prefix and output topic, writes exactly the output of the input
 * past its offsets: a model of word count over the input says which, record by record.
 */
import { describe, expect, it } from 'vitest'
import { signStopRequest, stopKeyPair } from '../../../../contract/stop-request.ts'
import { type SavepointStep, savepointStepCommand, savepointStepPath } from '../../../../contract/worker-savepoint.ts'
import type { WorkerSavepoint } from '../../../../contract/worker-status.ts'
import { compareOutput } from '../../../../examples/verify-model.ts'
import { expectedWordCount } from '../../../../examples/word-count/expected.ts'
import { checkpointLayout } from '../../../../runtime/checkpoint/layout.ts'
import { decodeRestorePoint } from '../../../../runtime/checkpoint/manifest.ts'
import { waitFor } from '../../../../stack/wait.ts'
import { multisetMinus } from '../../helpers/audit.ts'
import { readCommitted } from '../../helpers/committed-reader.ts'
import { objectStoreFor } from '../../helpers/s3.ts'
import { useScenarioContext, WordCountScenario } from '../../helpers/word-count-scenario.ts'
import type { WorkerProcess } from '../../helpers/worker-process.ts'

const ctx = useScenarioContext()
const { stack } = ctx
const objects = objectStoreFor(stack)
const operator = stopKeyPair(undefined)

/** The operator's part, as the test plays it: a savepoint step signed for one worker. */
const ask = (
  run: WordCountScenario,
  worker: WorkerProcess,
  at: { slot: number; attempt: number },
  step: SavepointStep,
) =>
  fetch(`http://127.0.0.1:${worker.port}${savepointStepPath(step)}`, {
    method: 'POST',
    headers: signStopRequest(
      operator.privateKey,
      { jobUid: run.job.uid, generation: 1, ...at },
      Date.now(),
      savepointStepCommand(step),
    ),
    signal: AbortSignal.timeout(2000),
  })

const part = async (worker: WorkerProcess) =>
  (await worker.status()) as unknown as {
    savepoint?: WorkerSavepoint
    recordsIn: number
    lastCheckpoint?: { id: number }
    ready: boolean
  }

const allHold = (workers: readonly WorkerProcess[]) => async () => {
  const parts = await Promise.all(workers.map(part))
  return parts.every((s) => s.savepoint?.state === 'holding') ? parts : undefined
}

/**
 * Savepoint `name` of `run`, restored by its URI into a new job (another name, prefix and output
 * topic): its output must be exactly the word-count model's output for the input past the
 * savepoint's offsets (per partition, the records at or after them).
 */
async function expectRestExactly(run: WordCountScenario, name: string, movedName: string): Promise<void> {
  const layout = checkpointLayout(run.job.prefix, { namespace: 'test', name: run.job.name })
  const manifest = await objects.get(layout.savepointManifest(name))
  expect(manifest, 'the savepoint manifest').toBeDefined()
  const point = decodeRestorePoint(manifest!.body, layout.savepointManifest(name))
  expect(point.tasks.map((t) => t.partition)).toEqual([0, 1])
  const input = run.job.sourceTopics[0]!
  const cut = new Map(point.tasks.map((t) => [t.partition, BigInt(t.offsets[input] ?? '0')]))
  const all = await readCommitted(stack.kafka.bootstrap, input)
  const covered = all.filter((r) => BigInt(r.offset) < cut.get(r.partition)!)
  expect(covered.length, 'the cut is inside the input, not at either end').toBeGreaterThan(0)
  expect(covered.length).toBeLessThan(all.length)

  const moved = await run.runMovedFrom(`s3://${stack.s3!.bucket}/${layout.savepointDir(name)}`, movedName)
  const rest = multisetMinus(expectedWordCount(all).records, expectedWordCount(covered).records)
  const report = compareOutput({ records: rest }, await readCommitted(stack.kafka.bootstrap, moved.job.sinkTopic))
  expect({
    duplicates: report.duplicates.slice(0, 5),
    missing: report.missing.slice(0, 5),
    unexpected: report.unexpected.slice(0, 5),
    actual: report.actual,
  }).toEqual({ duplicates: [], missing: [], unexpected: [], actual: all.length - covered.length })
}

// Side by side: each case has its own topics, storage prefix and workers.
describe.concurrent('a savepoint while the job runs', () => {
  it('cuts every slot at one moment without stopping it, and restores elsewhere into exactly the rest', async () => {
    const run = await WordCountScenario.create(ctx, 'sp-running', {
      parallelism: 2,
      inputRecords: 3000,
      stopKey: operator.publicKeyPem,
    })
    run.feed(100)
    const workers = [await run.start(0, 1), await run.start(1, 1)]
    await waitFor(
      'both slots checkpointed with records',
      async () => (await Promise.all(workers.map(part))).every((s) => s.lastCheckpoint && s.recordsIn > 0),
      60_000,
    )

    const name = 'sp-g1-live'
    for (const [slot, worker] of workers.entries())
      expect((await ask(run, worker, { slot, attempt: 1 }, { step: 'hold', name })).status).toBe(202)
    const held = await waitFor('both slots hold', allHold(workers), 30_000)
    for (const s of held) expect(s.savepoint?.holdRemainingMs).toBeGreaterThan(5000)
    // Holding does not stop processing: records keep coming in while no commit goes past the cut.
    await waitFor(
      'the slots process while they hold',
      async () => {
        const parts = await Promise.all(workers.map(part))
        const more = parts.reduce((n, s, i) => n + s.recordsIn - held[i]!.recordsIn, 0)
        return parts.every((s) => s.savepoint?.state === 'holding') && more > 0 ? true : undefined
      },
      5000,
    )
    // Another savepoint while this one holds is refused.
    expect((await ask(run, workers[1]!, { slot: 1, attempt: 1 }, { step: 'hold', name: 'sp-g1-other' })).status).toBe(
      409,
    )
    for (const [slot, worker] of workers.entries())
      expect(
        (await ask(run, worker, { slot, attempt: 1 }, { step: 'release', name, keep: true, dispose: [] })).status,
      ).toBe(202)
    await waitFor(
      'slot 0 wrote the savepoint',
      async () => ((await part(workers[0]!)).savepoint?.state === 'written' ? true : undefined),
      30_000,
    )
    // A savepoint abandoned (keep=0): slot 0 deletes what the operator names, here its own copies.
    const gone = 'sp-g1-gone'
    for (const [slot, worker] of workers.entries())
      expect((await ask(run, worker, { slot, attempt: 1 }, { step: 'hold', name: gone })).status).toBe(202)
    await waitFor('both slots hold the second savepoint', allHold(workers), 30_000)
    const layout = checkpointLayout(run.job.prefix, { namespace: 'test', name: run.job.name })
    expect(await objects.list(layout.savepointDir(gone))).toContain(layout.savepointPart(gone, 1))
    for (const [slot, worker] of workers.entries()) {
      const release = { step: 'release', name: gone, keep: false, dispose: slot === 0 ? [gone] : [] } as const
      expect((await ask(run, worker, { slot, attempt: 1 }, release)).status).toBe(202)
    }
    await waitFor(
      'slot 0 deleted the abandoned savepoint',
      async () => ((await objects.list(layout.savepointDir(gone))).length === 0 ? true : undefined),
      30_000,
    )
    expect(await objects.list(layout.savepointManifest(name))).toEqual([layout.savepointManifest(name)])
    await run.runToEnd(workers)
    await run.verify()

    await expectRestExactly(run, name, 'sp-running-moved')
  })

  it('a slot killed while it holds cuts afresh when asked again, and the savepoint is still exact', async () => {
    const run = await WordCountScenario.create(ctx, 'sp-killed', {
      parallelism: 2,
      inputRecords: 3000,
      stopKey: operator.publicKeyPem,
    })
    run.feed(100)
    const first = [await run.start(0, 1), await run.start(1, 1)]
    await waitFor(
      'both slots checkpointed with records',
      async () => (await Promise.all(first.map(part))).every((s) => s.lastCheckpoint && s.recordsIn > 0),
      60_000,
    )
    const name = 'sp-g1-killed'
    for (const [slot, worker] of first.entries())
      expect((await ask(run, worker, { slot, attempt: 1 }, { step: 'hold', name })).status).toBe(202)
    await waitFor('both slots hold', allHold(first), 30_000)
    // Slot 1 dies holding; its next attempt knows nothing of the savepoint until asked (as the
    // operator asks every slot that does not report it), and cuts again from its restored state.
    first[1]!.signal('SIGKILL')
    const again = await run.start(1, 2)
    await waitFor('attempt 2 of slot 1 runs', async () => ((await part(again)).ready ? true : undefined), 30_000)
    expect((await part(again)).savepoint).toBeUndefined()
    expect((await ask(run, again, { slot: 1, attempt: 2 }, { step: 'hold', name })).status).toBe(202)
    const workers = [first[0]!, again]
    await waitFor('slot 0 still holds and slot 1 holds again', allHold(workers), 30_000)
    const release = { step: 'release', name, keep: true, dispose: [] } as const
    expect((await ask(run, first[0]!, { slot: 0, attempt: 1 }, release)).status).toBe(202)
    expect((await ask(run, again, { slot: 1, attempt: 2 }, release)).status).toBe(202)
    await waitFor(
      'slot 0 wrote the savepoint',
      async () => ((await part(first[0]!)).savepoint?.state === 'written' ? true : undefined),
      30_000,
    )
    await run.runToEnd(workers)
    await run.verify()
    await expectRestExactly(run, name, 'sp-killed-moved')
  })
})
