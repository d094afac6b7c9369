import { describe, expect, it } from 'vitest'
import { parseTransactionalId, transactionalId, transactionalIdPool } from '../../../../runtime/sink/txn-ids.ts'

const slot = { jobUid: '3f2a-uid', generation: 2, slot: 1 }

describe('transactionalId()', () => {
  it('cycles through a pool of three ids per slot', () => {
    expect([0, 1, 2, 3, 4].map((k) => transactionalId(slot, k))).toEqual([
      '3f2a-uid-g2-s1-0',
      '3f2a-uid-g2-s1-1',
      '3f2a-uid-g2-s1-2',
      '3f2a-uid-g2-s1-0',
      '3f2a-uid-g2-s1-1',
    ])
  })

  it('rejects a negative checkpoint id', () => {
    expect(() => transactionalId(slot, -1)).toThrow(RangeError)
  })

  it('transactionalIdPool() lists every id T(k) can use', () => {
    const pool = transactionalIdPool(slot)
    for (let k = 0; k < 20; k++) expect(pool).toContain(transactionalId(slot, k))
    expect(pool).toHaveLength(3)
  })

  it('parseTransactionalId() inverts transactionalId() and refuses foreign ids', () => {
    expect(parseTransactionalId(transactionalId(slot, 5))).toEqual({ ...slot, poolIndex: 2 })
    expect(parseTransactionalId('my-app-producer-1')).toBeUndefined()
    expect(parseTransactionalId('x-g1-s1-7')).toBeUndefined()
  })
})
