/**
 * Incremental checkpoints against the real S3 server (SeaweedFS): a task's chain (a snapshot and
 * deltas) stored by one attempt and read back by the next, manifests that name deltas carrying
 * format version 2, a corrupt delta refused by name, and retention that keeps what a kept
 * checkpoint's chain still names. The barrier's choice of what to write is unit-tested
 * (snapshot-chain.test.ts, task-snapshots.test.ts); the worker's end-to-end use of chains is
 * covered by the crash tests, which restore from them.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import type { StateValue } from '../../../../runtime/api/context.ts'
import { readManifest } from '../../../../runtime/checkpoint/checkpoint-documents.ts'
import { CheckpointCorruptError } from '../../../../runtime/checkpoint/checkpoint-errors.ts'
import { CheckpointStore } from '../../../../runtime/checkpoint/checkpoint-store.ts'
import { checkpointLayout } from '../../../../runtime/checkpoint/layout.ts'
import { listCheckpoints } from '../../../../runtime/checkpoint/list-checkpoints.ts'
import type { CheckpointToStore } from '../../../../runtime/checkpoint/slot-storage.ts'
import type { SnapshotChain } from '../../../../runtime/state/snapshot-chain.ts'
import { encodeDelta, encodeSnapshot, type StateDelta } from '../../../../runtime/state/snapshot-codec.ts'
import type { TaskSnapshot } from '../../../../runtime/state/task-snapshots.ts'
import { objectStoreFor } from '../../helpers/s3.ts'

const objects = objectStoreFor(inject('stack'))

const job = { namespace: 'test', name: 'incremental', uid: 'uid-inc' }
const pool = ['uid-inc-g1-s0-0', 'uid-inc-g1-s0-1', 'uid-inc-g1-s0-2']
const offsets = (k: number) => ({ words: String(100 * k) })

function setup(retained: number) {
  const prefix = `incremental-${randomUUID().slice(0, 8)}`
  const layout = checkpointLayout(prefix, job)
  const attempt = (n: number) =>
    new CheckpointStore({ store: objects, prefix, job, generation: 1, slot: 0, attempt: n, retained })
  return { layout, attempt }
}

const full = (k: number, entries: Array<[string, StateValue]>): TaskSnapshot => ({
  partition: 0,
  offsets: offsets(k),
  kind: 'full',
  ...encodeSnapshot(0, entries),
})
const delta = (
  k: number,
  chain: SnapshotChain,
  changes: StateDelta,
  rebased?: { windowStart: number },
): TaskSnapshot => ({
  partition: 0,
  offsets: offsets(k),
  kind: 'delta',
  ...encodeDelta(0, changes),
  chain,
  ...(rebased ? { rebased } : {}),
})
const unchanged = (k: number, chain: SnapshotChain): TaskSnapshot => ({
  partition: 0,
  offsets: offsets(k),
  kind: 'unchanged',
  chain,
})
const checkpoint = (k: number, task: TaskSnapshot): CheckpointToStore => ({
  checkpointId: k,
  snapshots: [task],
  committable: null,
  recordsIn: k,
  recordsOut: 0,
})

describe('incremental checkpoints on SeaweedFS', () => {
  it('a chain stored by one attempt restores in the next; deltas need format version 2; unchanged uploads nothing', async () => {
    const { layout, attempt } = setup(5)
    const first = attempt(1)
    await first.claimHead(pool)
    const c1 = await first.storeCheckpoint(
      checkpoint(
        1,
        full(1, [
          ['apple', 1],
          ['pear', 2],
        ]),
      ),
    )
    expect((await readManifest(objects, layout, 1, 0, { checkpointId: 1, attempt: 1 }))?.formatVersion).toBe(1)
    const c2 = await first.storeCheckpoint(
      checkpoint(
        2,
        delta(2, c1.chains.get(0)!, {
          entries: [
            ['apple', 3],
            ['fig', { n: 1 }],
          ],
          deleted: ['pear'],
        }),
      ),
    )
    const c3 = await first.storeCheckpoint(checkpoint(3, unchanged(3, c2.chains.get(0)!)))
    expect(c3.bytes).toBe(0)
    expect(c3.chains.get(0)).toEqual(c2.chains.get(0))
    expect(c2.chains.get(0)?.deltas).toHaveLength(1)

    const manifest = await readManifest(objects, layout, 1, 0, { checkpointId: 3, attempt: 1 })
    expect(manifest?.formatVersion).toBe(2)
    expect(manifest?.tasks[0]?.snapshot?.key).toBe(layout.snapshot(1, 0, { checkpointId: 1, attempt: 1 }, 0))
    expect(manifest?.tasks[0]?.deltas?.map((d) => d.key)).toEqual([
      layout.snapshot(1, 0, { checkpointId: 2, attempt: 1 }, 0),
    ])
    // No object for checkpoint 3's unchanged task: its directory holds the manifest only.
    expect(await objects.list(layout.checkpointDir(1, 0, { checkpointId: 3, attempt: 1 }))).toEqual([
      layout.manifest(1, 0, { checkpointId: 3, attempt: 1 }),
    ])

    const second = attempt(2)
    const head = await second.claimHead(pool)
    expect(head.checkpointId).toBe(3)
    expect([...(await second.readState(head.tasks![0]!))]).toEqual([
      ['apple', 3],
      ['fig', { n: 1 }],
    ])
  })

  it('a corrupt delta fails the restore with CheckpointCorruptError naming the delta', async () => {
    const { attempt } = setup(5)
    const first = attempt(1)
    await first.claimHead(pool)
    const c1 = await first.storeCheckpoint(checkpoint(1, full(1, [['a', 1]])))
    await first.storeCheckpoint(checkpoint(2, delta(2, c1.chains.get(0)!, { entries: [['a', 2]], deleted: [] })))
    const task = (await attempt(2).claimHead(pool)).tasks![0]!
    const deltaKey = task.deltas![0]!.key
    const body = (await objects.get(deltaKey))!.body
    await objects.put(deltaKey, Buffer.concat([body, Buffer.from(' ')]))
    const error = await attempt(2)
      .readState(task)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CheckpointCorruptError)
    expect((error as Error).message).toMatch(
      /^Cannot restore checkpoint 2 of slot 0: snapshot ".*chk-0000000002-a1\/task-0\.snap" checksum mismatch/,
    )
  })

  it('retention keeps the checkpoints a kept chain names, and lets them go after a rebase', async () => {
    const { layout, attempt } = setup(1)
    const owner = attempt(1)
    await owner.claimHead(pool)
    let chain = (await owner.storeCheckpoint(checkpoint(1, full(1, [['k', 0]])))).chains.get(0)!
    for (const k of [2, 3]) {
      chain = (
        await owner.storeCheckpoint(checkpoint(k, delta(k, chain, { entries: [['k', k]], deleted: [] })))
      ).chains.get(0)!
    }
    await owner.applyRetention()
    const ids = async () => (await listCheckpoints(objects, layout))[0]?.checkpoints.map((c) => c.checkpointId)
    // retained = 1, yet 1 and 2 hold the snapshot and first delta the head's chain names.
    expect(await ids()).toEqual([1, 2, 3])
    expect([
      ...(await attempt(2).readState(
        (await readManifest(objects, layout, 1, 0, { checkpointId: 3, attempt: 1 }))!.tasks[0]!,
      )),
    ]).toEqual([['k', 3]])

    await owner.storeCheckpoint(checkpoint(4, full(4, [['k', 4]]))) // a new snapshot: the chain starts again
    await owner.applyRetention()
    expect(await ids()).toEqual([4])
  })

  it('the last delta of a spread rebase restarts the chain from empty state with its window alone', async () => {
    const { layout, attempt } = setup(1)
    const owner = attempt(1)
    await owner.claimHead(pool)
    let chain = (
      await owner.storeCheckpoint(
        checkpoint(
          1,
          full(1, [
            ['a', 1],
            ['b', 1],
            ['c', 1],
          ]),
        ),
      )
    ).chains.get(0)!
    // A rebase in two buckets: checkpoint 2 writes one bucket (a) and a change (b deleted) …
    chain = (
      await owner.storeCheckpoint(checkpoint(2, delta(2, chain, { entries: [['a', 2]], deleted: ['b'] })))
    ).chains.get(0)!
    // … and checkpoint 3 the other bucket (c) and a change (d), completing the window from delta 0.
    const changes: StateDelta = {
      entries: [
        ['c', 1],
        ['d', 3],
      ],
      deleted: [],
    }
    const last = delta(3, chain, changes, { windowStart: 0 })
    const stored = await owner.storeCheckpoint(checkpoint(3, last))
    expect(stored.chains.get(0)?.snapshot).toBeUndefined()
    expect(stored.chains.get(0)?.baseDeltas).toBe(2)
    const task = (await readManifest(objects, layout, 1, 0, { checkpointId: 3, attempt: 1 }))!.tasks[0]!
    expect(task.snapshot).toBeUndefined()
    expect(task.baseDeltas).toBe(2)
    expect([...(await attempt(2).readState(task))].sort()).toEqual([
      ['a', 2],
      ['c', 1],
      ['d', 3],
    ])
    // Checkpoint 1's snapshot is no longer named by anything kept.
    await owner.applyRetention()
    expect((await listCheckpoints(objects, layout))[0]?.checkpoints.map((c) => c.checkpointId)).toEqual([2, 3])
  })
})
