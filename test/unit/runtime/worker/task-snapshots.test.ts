import { describe, expect, it } from 'vitest'
import { KeyedState } from '../../../../runtime/state/keyed-state.ts'
import type { SnapshotChain } from '../../../../runtime/state/snapshot-chain.ts'
import { decodeDelta, decodeSnapshot } from '../../../../runtime/state/snapshot-codec.ts'
import type { Task } from '../../../../runtime/task/task.ts'
import { snapshotTasks } from '../../../../runtime/worker/task-snapshots.ts'

/** The parts of a Task that snapshotting reads. */
const task = (partition: number, state: KeyedState) =>
  ({ partition, state, offsets: new Map([['in', 7n]]) }) as unknown as Task
const chainOf = (bytes: number, deltas = 0): SnapshotChain => ({
  snapshot: { key: 's', checksum: 'c'.repeat(64), bytes },
  deltas: Array.from({ length: deltas }, (_, i) => ({ key: `d${i}`, checksum: 'c'.repeat(64), bytes: 1 })),
})

describe('snapshotTasks()', () => {
  it('writes full snapshots first, then deltas of only what changed, then nothing when idle', () => {
    const state = new KeyedState()
    state.set('a', 1)
    state.set('b', 2)
    const [first] = snapshotTasks([task(0, state)], new Map())
    expect(first?.kind).toBe('full')
    if (first?.kind !== 'full') throw new Error('unreachable')
    expect(decodeSnapshot(first.bytes, first.checksum)).toEqual([
      ['a', 1],
      ['b', 2],
    ])
    expect(first.offsets).toEqual({ in: '7' })

    state.set('a', 5)
    state.delete('b')
    const chains = new Map([[0, chainOf(10_000)]])
    const [second] = snapshotTasks([task(0, state)], chains)
    if (second?.kind !== 'delta') throw new Error(`expected a delta, got ${second?.kind}`)
    expect(decodeDelta(second.bytes, second.checksum)).toEqual({ entries: [['a', 5]], deleted: ['b'] })
    expect(second.chain).toBe(chains.get(0))

    expect(snapshotTasks([task(0, state)], chains)[0]?.kind).toBe('unchanged')
  })

  it('rebases at most one task per checkpoint unless a chain is far past its bounds', () => {
    const states = [0, 1, 2].map((p) => {
      const s = new KeyedState()
      s.set(`k${p}`, p)
      return task(p, s)
    })
    const due = new Map([0, 1, 2].map((p) => [p, chainOf(10_000, 17)])) // 17 deltas > 16: due
    expect(snapshotTasks(states, due).map((s) => s.kind)).toEqual(['full', 'delta', 'delta'])
    for (const [p, t] of states.entries()) t.state.set(`k${p}`, p + 1)
    const overdue = new Map([0, 1, 2].map((p) => [p, chainOf(10_000, 33)])) // > 32: overdue
    expect(snapshotTasks(states, overdue).map((s) => s.kind)).toEqual(['full', 'full', 'full'])
  })
})
