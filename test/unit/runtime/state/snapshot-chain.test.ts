import { describe, expect, it } from 'vitest'
import { applyChain, planTaskSnapshot, type SnapshotChain } from '../../../../runtime/state/snapshot-chain.ts'

const ref = (bytes: number, n = 0) => ({ key: `k${n}`, checksum: 'c'.repeat(64), bytes })
const chain = (snapshotBytes: number, deltas: number[]): SnapshotChain => ({
  snapshot: ref(snapshotBytes),
  deltas: deltas.map((b, i) => ref(b, i + 1)),
})
const limits = { maxDeltas: 4, maxDeltaRatio: 1 }
const plan = (c: SnapshotChain | undefined, deltaBytes: number, mayRebase = true, changedKeys = 1) =>
  planTaskSnapshot({ chain: c, changedKeys, deltaBytes: () => deltaBytes, mayRebase, limits }).kind

describe('planTaskSnapshot()', () => {
  it('writes a full snapshot when there is no chain to extend', () => {
    expect(plan(undefined, 10)).toBe('full')
    expect(plan(undefined, 0, true, 0)).toBe('full')
  })

  it('writes nothing when no key changed', () => {
    expect(plan(chain(1000, [900, 900, 900, 900, 900]), 0, true, 0)).toBe('unchanged')
  })

  it('appends a delta while the chain is within its bounds', () => {
    expect(plan(chain(1000, [100, 100]), 100)).toBe('delta')
    expect(plan(chain(1000, [100, 100, 100]), 100)).toBe('delta') // 4 deltas, 400 bytes: at the limits
  })

  it('rebases when the chain has too many deltas or they outweigh the snapshot', () => {
    expect(plan(chain(1000, [10, 10, 10, 10]), 10)).toBe('full') // a fifth delta
    expect(plan(chain(1000, [600]), 500)).toBe('full') // 1100 bytes of deltas on 1000
  })

  it('lets a due task wait when another rebases at this checkpoint, but not past twice the bounds', () => {
    expect(plan(chain(1000, [600]), 500, false)).toBe('delta')
    expect(plan(chain(1000, [10, 10, 10, 10]), 10, false)).toBe('delta')
    expect(plan(chain(1000, [1500]), 600, false)).toBe('full') // 2100 bytes on 1000
    expect(plan(chain(1000, [1, 1, 1, 1, 1, 1, 1, 1]), 1, false)).toBe('full') // a ninth delta
  })

  it('treats an empty snapshot as one byte, so a chain on empty state rebases at once', () => {
    expect(plan(chain(0, []), 5)).toBe('full')
  })

  it('does not encode the delta when nothing changed or there is no chain', () => {
    const deltaBytes = () => {
      throw new Error('encoded')
    }
    expect(planTaskSnapshot({ chain: undefined, changedKeys: 3, deltaBytes, mayRebase: true }).kind).toBe('full')
    expect(planTaskSnapshot({ chain: chain(5, []), changedKeys: 0, deltaBytes, mayRebase: true }).kind).toBe(
      'unchanged',
    )
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
