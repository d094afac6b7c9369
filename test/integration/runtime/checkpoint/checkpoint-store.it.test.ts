/**
 * CheckpointStore against the real S3 server (SeaweedFS): head claims and compare-and-swap
 * between attempts, manifests, snapshots, corruption at the head and retention. Every test
 * works under its own prefix, so tests do not see each other's objects.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import type { StateValue } from '../../../../runtime/api/context.ts'
import { readHead, readManifest, writeRestorePoint } from '../../../../runtime/checkpoint/checkpoint-documents.ts'
import { CheckpointConflictError, CheckpointCorruptError } from '../../../../runtime/checkpoint/checkpoint-errors.ts'
import { CheckpointStore } from '../../../../runtime/checkpoint/checkpoint-store.ts'
import { checkpointLayout } from '../../../../runtime/checkpoint/layout.ts'
import { listCheckpoints } from '../../../../runtime/checkpoint/list-checkpoints.ts'
import { type CheckpointToStore, SupersededError } from '../../../../runtime/checkpoint/slot-storage.ts'
import type { ProducerIdentity } from '../../../../runtime/kafka/kafka-client.ts'
import { encodeSnapshot } from '../../../../runtime/state/snapshot-codec.ts'
import { type ObjectStore, StorageUnavailableError } from '../../../../runtime/storage/object-store.ts'
import { objectStoreFor, unreachableObjectStore } from '../../helpers/s3.ts'

const objects = objectStoreFor(inject('stack'))

const job = { namespace: 'test', name: 'word-count', uid: 'uid-1' }
const pool = ['uid-1-g1-s0-0', 'uid-1-g1-s0-1', 'uid-1-g1-s0-2']
const committable = (k: number): ProducerIdentity => ({ transactionalId: pool[k % 3]!, producerId: '4000', epoch: k })

function setup(retained = 2) {
  const prefix = `checkpoint-store-${randomUUID().slice(0, 8)}`
  const layout = checkpointLayout(prefix, job)
  const attempt = (n: number, store: ObjectStore = objects) =>
    new CheckpointStore({ store, prefix, job, generation: 1, slot: 0, attempt: n, retained })
  return { prefix, layout, attempt }
}

/** Full snapshots of tasks 0 and 2 at checkpoint k, with state that names k. */
function fullSnapshots(k: number) {
  return [0, 2].map((partition) => {
    const entries: Array<[string, StateValue]> = [
      ['word', k * 10 + partition],
      ['seen', { at: k, partition }],
    ]
    const offsets = { words: String(100 * k + partition) }
    return { partition, kind: 'full' as const, ...encodeSnapshot(partition, entries), offsets }
  })
}

/** Checkpoint k of tasks 0 and 2, with state that names k. */
function checkpoint(k: number, withCommittable = true): CheckpointToStore {
  const snapshots = fullSnapshots(k)
  return {
    checkpointId: k,
    snapshots,
    committable: withCommittable ? committable(k) : null,
    recordsIn: k,
    recordsOut: k,
  }
}

describe('CheckpointStore on SeaweedFS', () => {
  it('claimHead() creates the head of a slot on the first claim', async () => {
    const { layout, attempt } = setup()
    expect(await attempt(1).claimHead(pool)).toEqual({ checkpointId: null, committableDone: true })
    const read = await readHead(objects, layout, 1, 0)
    expect(read?.head).toMatchObject({ attempt: 1, checkpointId: null, checkpointAttempt: null, pool })
  })

  it("a newer attempt's claim makes the older attempt's storeCheckpoint fail with SupersededError", async () => {
    const { layout, attempt } = setup()
    const first = attempt(1)
    await first.claimHead(pool)
    await first.storeCheckpoint(checkpoint(1))
    const second = attempt(2)
    await second.claimHead(pool)

    const error = await first.storeCheckpoint(checkpoint(2)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SupersededError)
    expect((error as SupersededError).message).toMatch(/attempt 2 owns the head of slot 0.*attempt 1/)
    await expect(first.claimHead(pool)).rejects.toBeInstanceOf(SupersededError)
    expect((await readHead(objects, layout, 1, 0))?.head).toMatchObject({ attempt: 2, checkpointId: 1 })

    // The zombie's manifest 2 was written but never made head; the new attempt takes its own 2.
    expect(await readManifest(objects, layout, 1, 0, { checkpointId: 2, attempt: 1 })).toBeDefined()
    await second.storeCheckpoint(checkpoint(2))
    expect((await readHead(objects, layout, 1, 0))?.head).toMatchObject({ checkpointId: 2, checkpointAttempt: 2 })
  })

  it('of two racing claims the higher attempt ends up owning the head', async () => {
    const { layout, attempt } = setup()
    await attempt(1).claimHead(pool)
    const [a2, a3] = [attempt(2), attempt(3)]
    const [claim2, claim3] = await Promise.allSettled([a2.claimHead(pool), a3.claimHead(pool)])
    expect(claim3.status).toBe('fulfilled')
    expect((await readHead(objects, layout, 1, 0))?.head.attempt).toBe(3)
    // Attempt 2 either lost the race outright, or won it first and is a zombie now.
    if (claim2.status === 'rejected') expect(claim2.reason).toBeInstanceOf(SupersededError)
    else await expect(a2.storeCheckpoint(checkpoint(1))).rejects.toBeInstanceOf(SupersededError)
    await a3.storeCheckpoint(checkpoint(1))
  })

  it("storeCheckpoint() then the next attempt's claimHead() returns the tasks, committable and state", async () => {
    const { layout, attempt } = setup()
    const first = attempt(1)
    await first.claimHead(pool)
    const stored = await first.storeCheckpoint(checkpoint(1))
    const expectedBytes = fullSnapshots(1).reduce((n, s) => n + s.bytes.length, 0)
    expect(stored).toMatchObject({ checkpointId: 1, bytes: expectedBytes })
    expect([...stored.chains.keys()]).toEqual([0, 2])

    const second = attempt(2)
    const head = await second.claimHead(pool)
    expect(head.checkpointId).toBe(1)
    expect(head.committable).toEqual(committable(1))
    expect(head.committableDone).toBe(false)
    expect(head.tasks?.map((t) => [t.partition, t.offsets])).toEqual([
      [0, { words: '100' }],
      [2, { words: '102' }],
    ])
    const task = head.tasks![1]!
    expect(task.snapshot!.key).toBe(layout.snapshot(1, 0, { checkpointId: 1, attempt: 1 }, 2))
    expect([...(await second.readState(task))]).toEqual([
      ['seen', { at: 1, partition: 2 }],
      ['word', 12],
    ])
  })

  it('markCommittableDone() records the commit in the head for the next attempt', async () => {
    const { attempt } = setup()
    const first = attempt(1)
    await first.claimHead(pool)
    await first.storeCheckpoint(checkpoint(1))
    const second = attempt(2)
    await second.claimHead(pool)
    await second.markCommittableDone(1)
    expect((await attempt(3).claimHead(pool)).committableDone).toBe(true)
    await expect(second.markCommittableDone(2)).rejects.toBeInstanceOf(CheckpointConflictError)
  })

  it('a checkpoint without a committable is done as soon as it is stored', async () => {
    const { attempt } = setup()
    const first = attempt(1)
    await first.claimHead(pool)
    await first.storeCheckpoint(checkpoint(1, false))
    expect(await attempt(2).claimHead(pool)).toMatchObject({
      checkpointId: 1,
      committable: null,
      committableDone: true,
    })
  })

  it('readSnapshot() of a corrupted or missing snapshot at the head throws CheckpointCorruptError', async () => {
    const { attempt } = setup()
    const first = attempt(1)
    await first.claimHead(pool)
    await first.storeCheckpoint(checkpoint(1))
    const second = attempt(2)
    const [task0, task2] = (await second.claimHead(pool)).tasks!
    const original = (await objects.get(task0!.snapshot!.key))!.body
    const flipped = Buffer.from(original)
    flipped[25] = flipped[25]! ^ 0x01
    await objects.put(task0!.snapshot!.key, flipped)
    await objects.delete([task2!.snapshot!.key])

    const error = await second.readState(task0!).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CheckpointCorruptError)
    expect((error as CheckpointCorruptError).code).toBe('EXACTLY_CHECKPOINT_CORRUPT')
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Cannot restore checkpoint 1 of slot 0: snapshot ".*/task-0\\.snap" checksum mismatch \\(expected ${task0!.snapshot!.checksum}, got [0-9a-f]{64}\\)$`,
      ),
    )
    await expect(second.readState(task2!)).rejects.toThrow(
      /^Cannot restore checkpoint 1 of slot 0: snapshot ".*\/task-2\.snap" is missing$/,
    )
  })

  it('claimHead() with the head manifest missing or corrupt throws CheckpointCorruptError, never falls back', async () => {
    const { layout, attempt } = setup()
    const first = attempt(1)
    await first.claimHead(pool)
    await first.storeCheckpoint(checkpoint(1))
    await first.storeCheckpoint(checkpoint(2))
    const manifest2 = layout.manifest(1, 0, { checkpointId: 2, attempt: 1 })

    await objects.put(manifest2, Buffer.from('{"formatVersion":1,"tasks":'))
    const corrupt = await attempt(2)
      .claimHead(pool)
      .catch((e: unknown) => e)
    expect(corrupt).toBeInstanceOf(CheckpointCorruptError)
    expect((corrupt as Error).message).toMatch(
      /^Cannot restore checkpoint 2 of slot 0: manifest ".*chk-0000000002-a1\/manifest\.json": not JSON/,
    )

    await objects.delete([manifest2])
    await expect(attempt(3).claimHead(pool)).rejects.toThrow(
      /^Cannot restore checkpoint 2 of slot 0: its manifest ".*chk-0000000002-a1\/manifest\.json" is missing/,
    )
  })

  it('storeCheckpoint() retried after the answer to its head CAS was lost completes once', async () => {
    const { layout, attempt } = setup()
    let lose = true
    const losesOneAnswer: ObjectStore = {
      get: (key) => objects.get(key),
      put: (key, body) => objects.put(key, body),
      putIfAbsent: (key, body) => objects.putIfAbsent(key, body),
      list: (prefix) => objects.list(prefix),
      delete: (keys) => objects.delete(keys),
      putIfMatch: async (key, body, etag) => {
        const result = await objects.putIfMatch(key, body, etag)
        if (lose && result.written) {
          lose = false
          throw new StorageUnavailableError(`Cannot compare-and-swap "${key}": connection reset (test)`)
        }
        return result
      },
    }
    const store = attempt(1, losesOneAnswer)
    await store.claimHead(pool)
    await expect(store.storeCheckpoint(checkpoint(1))).rejects.toBeInstanceOf(StorageUnavailableError)
    expect(await store.storeCheckpoint(checkpoint(1))).toMatchObject({ checkpointId: 1 })
    await store.storeCheckpoint(checkpoint(2))
    expect((await readHead(objects, layout, 1, 0))?.head).toMatchObject({ attempt: 1, checkpointId: 2 })
  })

  it("applyRetention() deletes old checkpoints and dead attempts' leftovers, keeps the head and referenced ones", async () => {
    const { layout, attempt } = setup(2)
    const first = attempt(1)
    await first.claimHead(pool)
    await first.storeCheckpoint(checkpoint(1))
    await first.storeCheckpoint(checkpoint(2))
    const second = attempt(2)
    await second.claimHead(pool)
    await first.storeCheckpoint(checkpoint(3)).catch(() => {}) // superseded: leaves chk-3-a1 behind
    for (const k of [3, 4, 5]) await second.storeCheckpoint(checkpoint(k))
    // A restore point of the next generation names checkpoint 1: it must survive.
    const head1 = (await readManifest(objects, layout, 1, 0, { checkpointId: 1, attempt: 1 }))!
    const point = { formatVersion: 1 as const, job, generation: 2, createdAt: new Date().toISOString(), reason: 'test' }
    expect(await writeRestorePoint(objects, layout, { ...point, tasks: head1.tasks })).toBe('written')
    expect(await writeRestorePoint(objects, layout, { ...point, tasks: head1.tasks })).toBe('alreadyWritten')

    await first.applyRetention() // a zombie deletes nothing
    expect((await listCheckpoints(objects, layout))[0]?.checkpoints).toHaveLength(6)
    await second.applyRetention()

    const [slot] = await listCheckpoints(objects, layout)
    expect(slot?.checkpoints).toEqual([
      { checkpointId: 1, attempt: 1 },
      { checkpointId: 4, attempt: 2 },
      { checkpointId: 5, attempt: 2 },
    ])
    expect(slot?.head).toMatchObject({ attempt: 2, checkpointId: 5, checkpointAttempt: 2 })
    const keys = await objects.list(layout.slotDir(1, 0))
    expect(keys.filter((k) => k.includes('chk-0000000002-') || k.includes('chk-0000000003-'))).toEqual([])
    expect(keys.filter((k) => k.includes('chk-0000000005-a2/'))).toHaveLength(3)
    const head = await attempt(3).claimHead(pool)
    expect(head.checkpointId).toBe(5)
  })

  it('readRestorePoint() returns the tasks of the generation it starts', async () => {
    const { prefix, layout } = setup()
    const tasks = fullSnapshots(1).map((s) => ({
      partition: s.partition,
      offsets: s.offsets,
      snapshot: {
        key: layout.snapshot(1, 0, { checkpointId: 1, attempt: 1 }, s.partition),
        checksum: s.checksum,
        bytes: 1,
      },
    }))
    const point = {
      formatVersion: 1 as const,
      job,
      generation: 2,
      createdAt: new Date().toISOString(),
      reason: 'rescale',
    }
    await writeRestorePoint(objects, layout, { ...point, tasks })
    await expect(writeRestorePoint(objects, layout, { ...point, tasks: tasks.slice(1) })).rejects.toBeInstanceOf(
      CheckpointConflictError,
    )
    const gen2 = new CheckpointStore({ store: objects, prefix, job, generation: 2, slot: 0, attempt: 1, retained: 2 })
    expect(await gen2.readRestorePoint()).toEqual({ tasks })
    const gen3 = new CheckpointStore({ store: objects, prefix, job, generation: 3, slot: 0, attempt: 1, retained: 2 })
    expect(await gen3.readRestorePoint()).toBeUndefined()
  })

  it('passes StorageUnavailableError through unchanged when S3 cannot be reached', async () => {
    const unreachable = await unreachableObjectStore()
    const { attempt } = setup()
    await expect(attempt(1, unreachable).claimHead(pool)).rejects.toBeInstanceOf(StorageUnavailableError)
  })
})
