import { describe, expect, it } from 'vitest'
import type { StateValue } from '../../../../runtime/api/context.ts'
import { KeyedState } from '../../../../runtime/state/keyed-state.ts'
import { applyChain, REBASE_BUCKET_BYTES, type SnapshotChain } from '../../../../runtime/state/snapshot-chain.ts'
import { decodeDelta, decodeSnapshot, type StateDelta } from '../../../../runtime/state/snapshot-codec.ts'
import { type SnapshotSource, snapshotTasks, type TaskSnapshot } from '../../../../runtime/state/task-snapshots.ts'

const task = (partition: number, state: KeyedState): SnapshotSource => ({
  partition,
  state,
  offsets: new Map([['in', 7n]]),
})
const chainOf = (bytes: number, deltas = 0): SnapshotChain => ({
  snapshot: { key: 's', checksum: 'c'.repeat(64), bytes },
  deltas: Array.from({ length: deltas }, (_, i) => ({ key: `d${i}`, checksum: 'c'.repeat(64), bytes: 1 })),
})
const none = new Map()

describe('snapshotTasks()', () => {
  it('writes full snapshots first, then deltas of only what changed, then nothing when idle', () => {
    const state = new KeyedState()
    state.set('a', 1)
    state.set('b', 2)
    const [first] = snapshotTasks([task(0, state)], { chains: none, rebases: none }).snapshots
    if (first?.kind !== 'full') throw new Error(`expected a full snapshot, got ${first?.kind}`)
    expect(decodeSnapshot(first.bytes, first.checksum)).toEqual([
      ['a', 1],
      ['b', 2],
    ])
    expect(first.offsets).toEqual({ in: '7' })

    state.set('a', 5)
    state.delete('b')
    const chains = new Map([[0, chainOf(10_000)]])
    const [second] = snapshotTasks([task(0, state)], { chains, rebases: none }).snapshots
    if (second?.kind !== 'delta') throw new Error(`expected a delta, got ${second?.kind}`)
    expect(decodeDelta(second.bytes, second.checksum)).toEqual({ entries: [['a', 5]], deleted: ['b'] })
    expect(second.chain).toBe(chains.get(0))

    expect(snapshotTasks([task(0, state)], { chains, rebases: none }).snapshots[0]?.kind).toBe('unchanged')
  })

  it('rebases one task at a time unless a chain is far past its bounds', () => {
    const tasks = [0, 1, 2].map((p) => {
      const s = new KeyedState()
      s.set(`k${p}`, p)
      return task(p, s)
    })
    const due = new Map([0, 1, 2].map((p) => [p, chainOf(10_000, 17)])) // 17 deltas > 16: due
    const first = snapshotTasks(tasks, { chains: due, rebases: none })
    expect(first.snapshots.map((s) => s.kind)).toEqual(['delta', 'delta', 'delta'])
    expect(first.snapshots.map((s) => s.kind === 'delta' && s.rebased !== undefined)).toEqual([true, false, false])
    for (const [p, t] of tasks.entries()) t.state.set(`k${p}`, p + 1)
    const overdue = new Map([0, 1, 2].map((p) => [p, chainOf(10_000, 33)])) // > 32: overdue
    const second = snapshotTasks(tasks, { chains: overdue, rebases: none })
    expect(second.snapshots.map((s) => s.kind === 'delta' && s.rebased !== undefined)).toEqual([true, true, true])
  })

  it('spreads a rebase over buckets; the window alone then adds up to the state', () => {
    const state = new KeyedState()
    for (let i = 0; i < 300; i++) state.set(`key-${i}`, i)
    // A chain that claims three buckets' worth of bytes and is past its delta count: rebase in 3.
    let chain: SnapshotChain = chainOf(3 * REBASE_BUCKET_BYTES - 100, 17)
    let rebases = new Map()
    state.takeChanges()
    const window: StateDelta[] = []
    let last: TaskSnapshot | undefined
    for (let checkpoint = 0; checkpoint < 3; checkpoint++) {
      // Changes while the rebase runs: a write, a delete, and a key deleted after its bucket went.
      state.set(`new-${checkpoint}`, checkpoint)
      state.delete(`key-${checkpoint}`)
      if (checkpoint === 2) state.delete('key-299')
      const result = snapshotTasks([task(0, state)], { chains: new Map([[0, chain]]), rebases })
      rebases = result.rebases
      last = result.snapshots[0]
      if (last?.kind !== 'delta') throw new Error(`expected a delta, got ${last?.kind}`)
      window.push(decodeDelta(last.bytes, last.checksum))
      const ref = { key: `w${checkpoint}`, checksum: last.checksum, bytes: last.bytes.length }
      chain = { ...chain, deltas: [...chain.deltas, ref] }
    }
    expect(last?.kind === 'delta' && last.rebased).toEqual({ windowStart: 17 })
    expect(rebases.size).toBe(0)
    const expected = new Map<string, StateValue>(state.entries())
    expect(applyChain([], window)).toEqual(expected)
  })
})
