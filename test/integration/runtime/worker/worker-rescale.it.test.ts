/**
 * A layout change without a clean stop (DESIGN section 5): generation 1 runs with two slots, one
 * of them dies between moving its head and committing; `exactly recover` commits what that head
 * promised, fences both slots' transactional ids and writes the restore point; generation 2 then
 * runs with three slots from it. The read_committed output must stay exact across the change,
 * and a worker of the closed generation can never write a checkpoint again.
 */
import { describe, expect, it } from 'vitest'
import { compareOutput } from '../../../../examples/verify-model.ts'
import { expectedWordCount } from '../../../../examples/word-count/expected.ts'
import { checkpointLayout } from '../../../../runtime/checkpoint/layout.ts'
import { readToEnd } from '../../../../runtime/kafka/read-to-end.ts'
import { runExactly } from '../../../../stack/run-command.ts'
import { multisetMinus } from '../../helpers/audit.ts'
import { readCommitted } from '../../helpers/committed-reader.ts'
import { produceSlowly } from '../../helpers/kafka.ts'
import { objectStoreFor } from '../../helpers/s3.ts'
import { useScenarioContext, WordCountScenario } from '../../helpers/word-count-scenario.ts'
import { runRecover, waitForExit, waitUntil } from '../../helpers/worker-process.ts'

const ctx = useScenarioContext()
const { stack } = ctx
const objects = objectStoreFor(stack)

const EXIT_SUPERSEDED = 3

async function produceWords(topic: string, count: number): Promise<void> {
  await produceSlowly(ctx.kafka, topic, count, (i) => ({ key: `w${i % 7}`, value: `w${i % 7}` }), {
    batch: 100,
    pauseMs: 0,
  })
}

function checkpoints(prefix: string, name: string, ...more: string[]) {
  const storage = ['--bucket', stack.s3!.bucket, '--prefix', prefix, '--endpoint', stack.s3!.endpoint]
  const sub = more[0] === 'gc' ? ['gc'] : more[0] === 'delete-savepoint' ? more.slice(0, 2) : []
  return runExactly(['checkpoints', ...sub, '--job', `test/${name}`, ...storage, ...more.slice(sub.length)], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: stack.s3!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stack.s3!.secretAccessKey,
    },
  })
}

// Side by side: each case has its own topics, storage prefix and workers.
describe.concurrent('exactly recover and a new generation', () => {
  it('rescales 2 → 3 after a slot died before its commit; the output stays exact', async () => {
    const run = await WordCountScenario.create(ctx, 'rescale', { parallelism: 2, inputRecords: 2400 })
    run.feed()
    const slot0 = await run.start(0, 1)
    await run.crashAt(1, 1, 'before-commit@2')
    await waitUntil(
      async () => ((await slot0.status()) as { lastCheckpoint?: { id: number } }).lastCheckpoint?.id !== undefined,
      60_000,
      () => `slot 0 did not checkpoint; its log ends:\n${slot0.tail()}`,
    )
    slot0.signal('SIGTERM')
    expect((await waitForExit(slot0, 30_000)).code).toBe(0)

    const recovered = await runRecover(stack, run.job, { generation: 1, parallelism: 2, nextGeneration: 2 })
    expect(recovered.code, recovered.stderr).toBe(0)
    expect(recovered.summary).toMatchObject({
      transactionsClean: true,
      restorePoint: { generation: 2, tasks: 2, outcome: 'written' },
      slots: [
        // Slot 0 stopped cleanly: its head's transaction is already committed; committing it
        // again is answered "done" (the id was not re-initialized since), so either is fine.
        { slot: 0, fenced: 3 },
        { slot: 1, checkpointId: 2, committed: true, fenced: 3 },
      ],
    })
    // Running it again (a recover pod that was restarted) changes nothing.
    const again = await runRecover(stack, run.job, { generation: 1, parallelism: 2, nextGeneration: 2 })
    expect(again.code, again.stderr).toBe(0)
    expect(again.summary).toMatchObject({ restorePoint: { outcome: 'alreadyWritten' } })

    // Generation 1's older checkpoints are garbage once generation 2 starts from the restore point
    // (which names only the heads' snapshots): `gc --dry-run` lists them and deletes nothing.
    const layout = checkpointLayout(run.job.prefix, { namespace: 'test', name: run.job.name })
    const closedCheckpoints = async () =>
      (await objects.list(layout.jobDir)).filter((k) => /\/g1\/s\d\/chk-/.test(k)).sort()
    const beforeGc = await closedCheckpoints()
    const dryRun = await checkpoints(run.job.prefix, run.job.name, 'gc', '--dry-run', '--json')
    expect(dryRun.code, dryRun.stderr).toBe(0)
    const wouldGo = (JSON.parse(dryRun.stdout) as { generation: number; keys: string[] }).keys
    expect(JSON.parse(dryRun.stdout)).toMatchObject({ generation: 2, dryRun: true })
    expect(wouldGo.length, 'generation 1 kept older checkpoints than its heads').toBeGreaterThan(0)
    expect(await closedCheckpoints()).toEqual(beforeGc)

    // A late worker of generation 1 finds the head sealed by the recovery and exits at once.
    const late = await run.start(0, 7)
    expect((await waitForExit(late, 30_000)).code).toBe(EXIT_SUPERSEDED)

    const generation2 = await Promise.all(
      [0, 1, 2].map((slot) => run.start(slot, 1, undefined, { generation: 2, parallelism: 3 })),
    )
    // Two checkpoints in generation 2 at least, so `exactly checkpoints` has an older one to show.
    await waitUntil(
      async () =>
        (((await generation2[0]!.status()) as { lastCheckpoint?: { id: number } }).lastCheckpoint?.id ?? 0) >= 2,
      60_000,
      () => `generation 2 slot 0 did not checkpoint twice; its log ends:\n${generation2[0]!.tail()}`,
    )
    await run.runToEnd(generation2)
    await run.verify()
    // Generation 2's slot 0 collected them after its first checkpoint; what the restore point
    // names (the heads' checkpoints) stays, and so do generation 1's heads, which fence it.
    const left = await closedCheckpoints()
    expect(left.filter((k) => wouldGo.includes(k))).toEqual([])
    expect(left.length, 'the checkpoints restore point 2 names').toBeGreaterThan(0)
    expect(await objects.list(layout.head(1, 1))).toEqual([layout.head(1, 1)])

    // `exactly checkpoints` shows both generations, the recovery's seal and the restore point.
    const listed = await checkpoints(run.job.prefix, run.job.name)
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toMatch(/generation 1 slot 1: head at checkpoint 2, attempt 2147483647/)
    expect(listed.stdout).toMatch(/generation 2 slot 2: head at checkpoint \d+, attempt 1/)
    expect(listed.stdout).toContain('restore point for generation 2')
    // A job found nowhere: the hint names where the operator's jobs keep their checkpoints.
    const elsewhere = await checkpoints(run.job.prefix, 'no-such-job')
    expect(elsewhere.stdout).toMatch(
      /^no checkpoints under .*no-such-job\/; .*pass --storage with the job's status\.storagePath/,
    )
    const json = JSON.parse((await checkpoints(run.job.prefix, run.job.name, '--json')).stdout) as {
      slots: Array<{
        generation: number
        slot: number
        head: { checkpointId: number }
        checkpoints: Array<{ checkpointId: number }>
      }>
    }
    const stored = json.slots.find((s) => s.generation === 2 && s.slot === 0)!
    const older = stored.checkpoints[0]!.checkpointId
    expect(older, 'generation 2 should have kept an older checkpoint than its head').toBeLessThan(
      stored.head.checkpointId,
    )
    const inspected = await checkpoints(
      run.job.prefix,
      run.job.name,
      '--generation',
      '2',
      '--slot',
      '0',
      '--checkpoint',
      String(older),
    )
    expect(inspected.code, inspected.stderr).toBe(0)
    expect(inspected.stdout).toContain(`checkpoint ${older} of generation 2 slot 0 (attempt 1)`)
    expect(inspected.stdout).toMatch(/would process again, and repeat the output of:\n\s+\S+\/0 offsets \[\d+, \d+\)/)
  })

  it('restoring a savepoint repeats exactly the output since it, as the user chose', async () => {
    const run = await WordCountScenario.create(ctx, 'savepoint', { parallelism: 1, inputRecords: 600 })
    const input = run.job.sourceTopics[0]!
    run.feed(20)
    await run.runToEnd([await run.start(0, 1)])
    const saved = await runRecover(stack, run.job, {
      generation: 1,
      parallelism: 1,
      nextGeneration: 2,
      savepoint: 'first',
    })
    expect(saved.code, saved.stderr).toBe(0)
    expect(saved.summary).toMatchObject({ savepoint: { name: 'first', outcome: 'written' } })
    // Generation 1 ran to the end: the savepoint covers exactly the input there is now.
    const coveredBySavepoint = await readCommitted(stack.kafka.bootstrap, input)
    expect(coveredBySavepoint).toHaveLength(600)

    // More input, processed by generation 2.
    await produceWords(input, 300)
    await run.runToEnd([await run.start(0, 1, undefined, { generation: 2 })])
    const before = await readToEnd(ctx.client, run.job.sinkTopic)

    // Generation 3 starts from the savepoint: the 300 records after it are processed again.
    const restored = await runRecover(stack, run.job, {
      generation: 2,
      parallelism: 1,
      nextGeneration: 3,
      restore: { kind: 'savepoint', name: 'first' },
    })
    expect(restored.code, restored.stderr).toBe(0)
    expect(restored.summary).toMatchObject({ restorePoint: { from: 'savepoint "first"' } })
    await run.runToEnd([await run.start(0, 1, undefined, { generation: 3 })])
    // The savepoint is self-contained: generation 3 starts from its own copies, so nothing of
    // generations 1 and 2 but their heads is live any more (its worker stopped at its first
    // checkpoint, before collecting: `exactly checkpoints gc` does it by hand).
    const layout = checkpointLayout(run.job.prefix, { namespace: 'test', name: run.job.name })
    const gc = await checkpoints(run.job.prefix, run.job.name, 'gc')
    expect(gc.code, gc.stderr).toBe(0)
    expect(gc.stdout).toMatch(/current generation 3: deleted [1-9]\d* object\(s\)/)
    const left = await objects.list(layout.jobDir)
    expect(left.filter((k) => /\/g[12]\/s0\/chk-|restore-points\/g2/.test(k))).toEqual([])
    expect(await objects.list(layout.savepointDir('first'))).toContain(layout.savepointSnapshot('first', 0))
    expect(await objects.list(layout.head(2, 0))).toEqual([layout.head(2, 0)])
    const after = await readToEnd(ctx.client, run.job.sinkTopic)
    const text = (r: { key: Buffer | null; value: Buffer | null }) => `${r.key?.toString()}=${r.value?.toString()}`
    expect(after.records.length).toBe(before.records.length + 300)
    // The repeat is record for record what generation 2 wrote after the savepoint (the w* words).
    const added = new Map<string, number>()
    for (const r of after.records) added.set(text(r), (added.get(text(r)) ?? 0) + 1)
    for (const r of before.records) added.set(text(r), (added.get(text(r)) ?? 0) - 1)
    const repeated = [...added].flatMap(([t, n]) => Array.from({ length: n }, () => t)).sort()
    expect(repeated).toEqual(
      before.records
        .map(text)
        .filter((t) => t.startsWith('w'))
        .sort(),
    )
    expect(after.openTransactions).toEqual([])

    // The same, from the model of word count alone (not from what the job wrote): one pass over
    // all the input, plus again what that pass emits for the input after the savepoint (the
    // counts continue from the savepoint's state). Both topics read by the independent reader.
    const all = await readCommitted(stack.kafka.bootstrap, input)
    expect(all).toHaveLength(900)
    const onePass = expectedWordCount(all).records
    const untilSavepoint = expectedWordCount(coveredBySavepoint).records
    const expected = { records: [...onePass, ...multisetMinus(onePass, untilSavepoint)] }
    expect(expected.records).toHaveLength(1200)
    const report = compareOutput(expected, await readCommitted(stack.kafka.bootstrap, run.job.sinkTopic))
    expect({
      duplicates: report.duplicates.slice(0, 5),
      missing: report.missing.slice(0, 5),
      unexpected: report.unexpected.slice(0, 5),
    }).toEqual({ duplicates: [], missing: [], unexpected: [] })
    expect(report.actual).toBe(1200)

    // The savepoint by its URI, into a new job with another name, storage prefix and output
    // topic: it starts from the savepoint's state and offsets and writes exactly the output of
    // the input after it (from its own copy of the state, not from the first job's storage).
    const uri = `s3://${stack.s3!.bucket}/${layout.savepointDir('first')}`
    const { job: moved, summary } = await run.runMovedFrom(uri, 'savepoint-moved')
    expect(summary).toMatchObject({ restorePoint: { generation: 1, from: `savepoint ${uri}` } })
    const remaining = compareOutput(
      { records: multisetMinus(onePass, untilSavepoint) },
      await readCommitted(stack.kafka.bootstrap, moved.sinkTopic),
    )
    expect({
      duplicates: remaining.duplicates.slice(0, 5),
      missing: remaining.missing.slice(0, 5),
      unexpected: remaining.unexpected.slice(0, 5),
      actual: remaining.actual,
    }).toEqual({ duplicates: [], missing: [], unexpected: [], actual: 300 })

    // The savepoint history: closing generation 1 keeps savepoint "a", closing generation 2 keeps
    // "b" and, past a history of one, deletes "a" from storage.
    const movedLayout = checkpointLayout(moved.prefix, { namespace: 'test', name: moved.name })
    for (const [generation, name, dispose] of [
      [1, 'a', []],
      [2, 'b', ['a']],
    ] as const) {
      const closed = await runRecover(stack, moved, {
        generation,
        parallelism: 1,
        nextGeneration: generation + 1,
        savepoint: name,
        disposeSavepoints: [...dispose],
      })
      expect(closed.code, closed.stderr).toBe(0)
    }
    expect(await objects.list(movedLayout.savepointDir('a'))).toEqual([])
    expect(await objects.list(movedLayout.savepointDir('b'))).toContain(movedLayout.savepointManifest('b'))
    // And on request: `exactly checkpoints delete-savepoint`; a second time there is nothing to delete.
    const disposed = await checkpoints(moved.prefix, moved.name, 'delete-savepoint', 'b')
    expect(disposed.code, disposed.stderr).toBe(0)
    expect(disposed.stdout).toMatch(/^deleted savepoint b: [1-9]\d* object\(s\)/)
    expect(await objects.list(movedLayout.savepointDir('b'))).toEqual([])
    const again = await checkpoints(moved.prefix, moved.name, 'delete-savepoint', 'b')
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('Cannot delete savepoint b: nothing is stored under')
  })
})
