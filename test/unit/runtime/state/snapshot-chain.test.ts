import { describe, expect, it } from 'vitest'
import {
  applyChain,
  bucketOf,
  planTaskSnapshot,
  REBASE_BUCKET_BYTES,
  type RebaseProgress,
  rebaseBuckets,
  type SnapshotChain,
} from '../../../../runtime/state/snapshot-chain.ts'

const ref = (bytes: number, n = 0) => ({ key: `k${n}`, checksum: 'c'.repeat(64), bytes })
const chain = (snapshotBytes: number, deltas: number[]): SnapshotChain => ({
  snapshot: ref(snapshotBytes),
  deltas: deltas.map((b, i) => ref(b, i + 1)),
})
const limits = { maxDeltas: 4, maxDeltaRatio: 1 }
const plan = (
  c: SnapshotChain | undefined,
  deltaBytes: number,
  options: { mayRebase?: boolean; changedKeys?: number; rebase?: RebaseProgress } = {},
) =>
  planTaskSnapshot({
    chain: c,
    rebase: options.rebase,
    changedKeys: options.changedKeys ?? 1,
    deltaBytes: () => deltaBytes,
    mayRebase: options.mayRebase ?? true,
    limits,
  })

describe('planTaskSnapshot()', () => {
  it('writes a full snapshot when there is no chain to extend', () => {
    expect(plan(undefined, 10).kind).toBe('full')
    expect(plan(undefined, 0, { changedKeys: 0 }).kind).toBe('full')
  })

  it('writes a full snapshot every time with maxDeltas 0 (incremental checkpoints off)', () => {
    const off = { maxDeltas: 0, maxDeltaRatio: 1 }
    const input = { changedKeys: 0, deltaBytes: () => 0, mayRebase: false, rebase: undefined, limits: off }
    expect(planTaskSnapshot({ ...input, chain: chain(1000, []) }).kind).toBe('full')
  })

  it('writes nothing when no key changed', () => {
    expect(plan(chain(1000, [900, 900, 900, 900, 900]), 0, { changedKeys: 0 }).kind).toBe('unchanged')
  })

  it('appends a delta while the chain is within its bounds', () => {
    expect(plan(chain(1000, [100, 100]), 100).kind).toBe('delta')
    expect(plan(chain(1000, [100, 100, 100]), 100).kind).toBe('delta') // 4 deltas, 400 bytes: at the limits
  })

  it('starts a spread rebase when the chain has too many deltas or they outweigh the snapshot', () => {
    expect(plan(chain(1000, [10, 10, 10, 10]), 10)).toEqual({
      kind: 'rewrite',
      bucket: 0,
      buckets: 1,
      windowStart: 4,
      completes: true,
    })
    expect(plan(chain(1000, [600]), 500).kind).toBe('rewrite') // 1100 bytes of deltas on 1000
  })

  it('spreads the rebase of a large chain over buckets of about REBASE_BUCKET_BYTES', () => {
    const big = chain(10 * REBASE_BUCKET_BYTES, [6 * REBASE_BUCKET_BYTES])
    expect(plan(big, 5 * REBASE_BUCKET_BYTES)).toMatchObject({
      kind: 'rewrite',
      bucket: 0,
      buckets: 16,
      completes: false,
    })
    expect(rebaseBuckets(0)).toBe(1)
    expect(rebaseBuckets(REBASE_BUCKET_BYTES + 1)).toBe(2)
    expect(rebaseBuckets(1e12)).toBe(64)
  })

  it('goes on with a rebase under way, changes or not, and says when it completes', () => {
    const rebase = { buckets: 3, next: 1, windowStart: 2 }
    const c = chain(1000, [10, 10, 10])
    expect(plan(c, 0, { changedKeys: 0, rebase })).toEqual({
      kind: 'rewrite',
      bucket: 1,
      buckets: 3,
      windowStart: 2,
      completes: false,
    })
    expect(plan(c, 0, { rebase: { ...rebase, next: 2 } })).toMatchObject({ bucket: 2, completes: true })
  })

  it('lets a due task wait while another rebases, but not past twice the bounds', () => {
    expect(plan(chain(1000, [600]), 500, { mayRebase: false }).kind).toBe('delta')
    expect(plan(chain(1000, [10, 10, 10, 10]), 10, { mayRebase: false }).kind).toBe('delta')
    expect(plan(chain(1000, [1500]), 600, { mayRebase: false }).kind).toBe('rewrite') // 2100 bytes on 1000
    expect(plan(chain(1000, [1, 1, 1, 1, 1, 1, 1, 1]), 1, { mayRebase: false }).kind).toBe('rewrite') // a ninth
  })

  it('measures a chain without a snapshot from its base deltas (the window of its last rebase)', () => {
    const rebased: SnapshotChain = { deltas: [ref(400, 1), ref(600, 2), ref(100, 3)], baseDeltas: 2 }
    expect(plan(rebased, 100).kind).toBe('delta') // 2 changes, 200 bytes on a base of 1000
    expect(plan(rebased, 950).kind).toBe('rewrite') // 1050 bytes on 1000
    expect(plan({ ...rebased, deltas: [...rebased.deltas, ref(1), ref(1), ref(1)] }, 1).kind).toBe('rewrite') // a fifth change
  })

  it('does not encode the delta when nothing changed, there is no chain, or a rebase is under way', () => {
    const deltaBytes = () => {
      throw new Error('encoded')
    }
    const input = { changedKeys: 3, deltaBytes, mayRebase: true, rebase: undefined }
    expect(planTaskSnapshot({ ...input, chain: undefined }).kind).toBe('full')
    expect(planTaskSnapshot({ ...input, chain: chain(5, []), changedKeys: 0 }).kind).toBe('unchanged')
    const rebase = { buckets: 2, next: 1, windowStart: 0 }
    expect(planTaskSnapshot({ ...input, chain: chain(5, []), rebase }).kind).toBe('rewrite')
  })
})

describe('bucketOf()', () => {
  it('spreads keys over every bucket, the same key always in the same one', () => {
    const counts = new Array(8).fill(0)
    for (let i = 0; i < 8000; i++) counts[bucketOf(`key-${i}`, 8)]++
    for (const n of counts) expect(n).toBeGreaterThan(800)
    expect(bucketOf('apple', 8)).toBe(bucketOf('apple', 8))
    expect(bucketOf('anything', 1)).toBe(0)
  })
})

describe('applyChain()', () => {
  it('applies each delta in order: deletes, then writes', () => {
    const state = applyChain(
      [
        ['a', 1],
        ['b', 2],
      ],
      [
        { entries: [['c', 3]], deleted: ['a'] },
        { entries: [['a', 10]], deleted: ['c'] },
      ],
    )
    expect([...state].sort()).toEqual([
      ['a', 10],
      ['b', 2],
    ])
  })

  it('is the snapshot alone without deltas', () => {
    expect([...applyChain([['x', null]], [])]).toEqual([['x', null]])
  })
})
