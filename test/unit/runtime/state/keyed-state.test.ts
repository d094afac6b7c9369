import { describe, expect, it } from 'vitest'
import { KeyedState } from '../../../../runtime/state/keyed-state.ts'

describe('KeyedState', () => {
  it('get/set/delete/has/size behave like a map of JSON values', () => {
    const state = new KeyedState()
    state.set('a', { n: 1, tags: ['x'] })
    state.set('b', 2)
    expect(state.get('a')).toEqual({ n: 1, tags: ['x'] })
    expect(state.has('b')).toBe(true)
    expect(state.delete('b')).toBe(true)
    expect(state.size).toBe(1)
  })

  it('set() refuses values a snapshot cannot hold, naming the key', () => {
    const state = new KeyedState()
    expect(() => state.set('k', undefined as never)).toThrow('Cannot set state "k": a undefined value')
    expect(() => state.set('k', (() => 1) as never)).toThrow(/function value is not JSON-serializable/)
    expect(() => state.set('k', 1n as never)).toThrow(/bigint/)
    expect(() => state.set('k', Number.NaN)).toThrow(/NaN/)
  })

  it('rollbackRecord() undoes the writes since beginRecord(), newest first', () => {
    const state = new KeyedState([
      ['kept', 1],
      ['changed', 1],
      ['deleted', 1],
    ])
    state.beginRecord()
    state.set('changed', 2)
    state.set('changed', 3)
    state.delete('deleted')
    state.set('added', 1)
    state.rollbackRecord()
    expect(Object.fromEntries(state.entries())).toEqual({ kept: 1, changed: 1, deleted: 1 })
  })

  it('commitRecord() keeps the writes', () => {
    const state = new KeyedState()
    state.beginRecord()
    state.set('a', 1)
    state.commitRecord()
    state.rollbackRecord()
    expect(state.get('a')).toBe(1)
  })
})

describe('KeyedState.takeChanges()', () => {
  it('returns the keys written since the last call with their current values, and the keys deleted', () => {
    const state = new KeyedState([['old', 1]])
    expect(state.takeChanges()).toEqual({ entries: [], deleted: [] })
    state.set('a', 1)
    state.set('a', 2)
    state.delete('old')
    state.set('gone', 1)
    state.delete('gone')
    expect(state.takeChanges()).toEqual({ entries: [['a', 2]], deleted: ['old', 'gone'] })
    expect(state.takeChanges()).toEqual({ entries: [], deleted: [] })
  })

  it('still reports a key whose write was rolled back, with its restored value', () => {
    const state = new KeyedState([['k', 1]])
    state.beginRecord()
    state.set('k', 2)
    state.rollbackRecord()
    expect(state.takeChanges()).toEqual({ entries: [['k', 1]], deleted: [] })
  })
})
