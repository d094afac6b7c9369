import { describe, expect, it } from 'vitest'
import {
  planRecovery,
  planRecoveryFromHead,
  RestoreMismatchError,
  restoreOrigins,
} from '../../../../runtime/recovery/recovery-plan.ts'

const pool = ['j-g1-s0-0', 'j-g1-s0-1', 'j-g1-s0-2']
const committable = { transactionalId: 'j-g1-s0-1', producerId: '4000', epoch: 3 }
const stored = (partition: number) => ({
  partition,
  offsets: { words: String(100 + partition) },
  snapshot: { key: `cp/4/task-${partition}.snap`, checksum: `sum-${partition}` },
})

describe('planRecovery()', () => {
  it('commits the head committable, marks it done, fences, closes hanging transactions, then restores — in that order', () => {
    const plan = planRecovery({
      partitions: [0, 2],
      headCheckpoint: { checkpointId: 4, tasks: [stored(0), stored(2)], committable, committableDone: false },
      startFrom: 'earliest',
      pool,
    })
    expect(plan.steps.map((s) => s.kind)).toEqual(['commit', 'markCommittableDone', 'fence', 'closeHanging', 'restore'])
    expect(plan.steps[0]).toEqual({ kind: 'commit', committable, checkpointId: 4 })
    expect(plan.steps[2]).toEqual({ kind: 'fence', transactionalIds: pool })
    expect(plan.steps[3]).toEqual({ kind: 'closeHanging', promised: [committable] })
    expect(plan.nextCheckpointId).toBe(5)
    // What a slot reads early, while the Kafka steps run: the last step's tasks.
    expect(restoreOrigins(plan).map((t) => t.partition)).toEqual([0, 2])
    expect(restoreOrigins({ steps: [], nextCheckpointId: 1 })).toEqual([])
  })

  it('does not commit again what an earlier attempt already committed, but still counts it as promised', () => {
    const plan = planRecovery({
      partitions: [0],
      headCheckpoint: { checkpointId: 4, tasks: [stored(0)], committable, committableDone: true },
      startFrom: 'earliest',
      pool,
    })
    expect(plan.steps.map((s) => s.kind)).toEqual(['fence', 'closeHanging', 'restore'])
    expect(plan.steps[1]).toEqual({ kind: 'closeHanging', promised: [committable] })
  })

  it('has nothing to commit when the checkpoint wrote no records', () => {
    const plan = planRecovery({
      partitions: [0],
      headCheckpoint: { checkpointId: 2, tasks: [stored(0)], committable: null, committableDone: false },
      startFrom: 'earliest',
      pool,
    })
    expect(plan.steps.map((s) => s.kind)).toEqual(['fence', 'closeHanging', 'restore'])
  })

  it('restores each task from its snapshot and offsets', () => {
    const plan = planRecovery({
      partitions: [2],
      headCheckpoint: { checkpointId: 4, tasks: [stored(0), stored(2)], committable, committableDone: true },
      startFrom: 'earliest',
      pool,
    })
    expect(plan.steps.at(-1)).toEqual({
      kind: 'restore',
      tasks: [
        {
          kind: 'snapshot',
          partition: 2,
          snapshot: { key: 'cp/4/task-2.snap', checksum: 'sum-2' },
          deltas: [],
          offsets: { words: '102' },
          extendsChain: true,
        },
      ],
    })
  })

  it("carries a task's deltas, and extends the chain of the head only, not of a restore point", () => {
    const delta = { key: 'cp/5/task-2.snap', checksum: 'sum-d', bytes: 3 }
    const task = { ...stored(2), deltas: [delta] }
    const fromHead = planRecovery({
      partitions: [2],
      headCheckpoint: { checkpointId: 5, tasks: [task], committable: null, committableDone: true },
      startFrom: 'earliest',
      pool,
    })
    expect(fromHead.steps.at(-1)).toMatchObject({ tasks: [{ deltas: [delta], extendsChain: true }] })
    const fromPoint = planRecovery({ partitions: [2], restorePoint: { tasks: [task] }, startFrom: 'earliest', pool })
    expect(fromPoint.steps.at(-1)).toMatchObject({ tasks: [{ deltas: [delta], extendsChain: false }] })
  })

  it('starts fresh from startFrom when nothing is stored, and still fences the pool', () => {
    const plan = planRecovery({ partitions: [1, 3], startFrom: 'latest', pool })
    expect(plan.steps).toEqual([
      { kind: 'fence', transactionalIds: pool },
      { kind: 'closeHanging', promised: [] },
      {
        kind: 'restore',
        tasks: [
          { kind: 'fresh', partition: 1, startFrom: 'latest' },
          { kind: 'fresh', partition: 3, startFrom: 'latest' },
        ],
      },
    ])
    expect(plan.nextCheckpointId).toBe(1)
  })

  it('a new generation restores from the restore point when its head has no checkpoint yet', () => {
    const plan = planRecovery({
      partitions: [0, 3],
      restorePoint: { tasks: [0, 1, 2, 3].map(stored) },
      startFrom: 'earliest',
      pool,
    })
    const restore = plan.steps.at(-1)
    expect(restore?.kind === 'restore' && restore.tasks.map((t) => t.kind)).toEqual(['snapshot', 'snapshot'])
  })

  it('refuses to restore a task the stored checkpoint does not hold, instead of starting it empty', () => {
    expect(() =>
      planRecovery({
        partitions: [5],
        headCheckpoint: { checkpointId: 4, tasks: [stored(0)], committable, committableDone: true },
        startFrom: 'earliest',
        pool,
      }),
    ).toThrow(RestoreMismatchError)
  })
})

describe('planRecoveryFromHead()', () => {
  it('plans from the claimed head checkpoint and ignores a restore point', () => {
    const plan = planRecoveryFromHead({
      head: { checkpointId: 4, tasks: [stored(0)], committable, committableDone: false },
      restorePoint: { tasks: [{ ...stored(0), offsets: { words: '1' } }] },
      partitions: [0],
      startFrom: 'earliest',
      pool,
    })
    expect(plan.steps.map((s) => s.kind)).toEqual(['commit', 'markCommittableDone', 'fence', 'closeHanging', 'restore'])
    expect(plan.steps.at(-1)).toMatchObject({
      tasks: [{ kind: 'snapshot', offsets: { words: '100' }, extendsChain: true }],
    })
    expect(plan.nextCheckpointId).toBe(5)
  })

  it('plans from the restore point when the head names no checkpoint, and starts a new chain', () => {
    const plan = planRecoveryFromHead({
      head: { checkpointId: null, committableDone: false },
      restorePoint: { tasks: [stored(0)] },
      partitions: [0],
      startFrom: 'latest',
      pool,
    })
    expect(plan.steps.map((s) => s.kind)).toEqual(['fence', 'closeHanging', 'restore'])
    expect(plan.steps.at(-1)).toMatchObject({ tasks: [{ kind: 'snapshot', extendsChain: false }] })
    expect(plan.nextCheckpointId).toBe(1)
  })

  it('starts fresh tasks from startFrom with neither a head checkpoint nor a restore point', () => {
    const plan = planRecoveryFromHead({
      head: { checkpointId: null, committableDone: false },
      restorePoint: undefined,
      partitions: [1],
      startFrom: 'latest',
      pool,
    })
    expect(plan.steps.at(-1)).toEqual({
      kind: 'restore',
      tasks: [{ kind: 'fresh', partition: 1, startFrom: 'latest' }],
    })
  })
})
