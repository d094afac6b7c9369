import { describe, expect, it } from 'vitest'
import type { OpenTransaction } from '../../../../runtime/kafka/kafka-client.ts'
import { decideHangingTransactions } from '../../../../runtime/recovery/hanging-transactions.ts'

// The slot's pool after fencing: each id's producer id and the epoch fencing gave it.
const fenced = [
  { transactionalId: 'j-g2-s1-0', producerId: '21', epoch: 5 },
  { transactionalId: 'j-g2-s1-1', producerId: '22', epoch: 9 },
  { transactionalId: 'j-g2-s1-2', producerId: '23', epoch: 3 },
]
const open = (topic: string, partition: number, producerId: string, epoch: number, startOffset = 100n) =>
  ({ topic, partition, producerId, epoch, coordinatorEpoch: 1, startOffset }) satisfies OpenTransaction

describe('decideHangingTransactions()', () => {
  it('commits the promised transaction where it is still open, one marker for all its partitions', () => {
    const promised = [{ transactionalId: 'j-g2-s1-0', producerId: '21', epoch: 4 }]
    const decision = decideHangingTransactions(
      [open('events', 2, '21', 4, 19552n), open('credits', 0, '21', 4, 5870n)],
      fenced,
      promised,
    )
    expect(decision.markers).toEqual([
      {
        producerId: '21',
        epoch: 4,
        commit: true,
        coordinatorEpoch: 1,
        partitions: [
          { topic: 'events', partition: 2 },
          { topic: 'credits', partition: 0 },
        ],
      },
    ])
    expect(decision.hanging).toEqual([
      {
        producerId: '21',
        epoch: 4,
        transactionalId: 'j-g2-s1-0',
        commit: true,
        openAt: ['events/2@19552', 'credits/0@5870'],
      },
    ])
  })

  it('aborts a transaction of ours that no completed checkpoint promised', () => {
    const decision = decideHangingTransactions([open('events', 0, '22', 8)], fenced, [])
    expect(decision.markers.map((m) => [m.producerId, m.epoch, m.commit])).toEqual([['22', 8, false]])
  })

  it('tells apart two epochs of one producer: only the promised one is committed', () => {
    const promised = [{ transactionalId: 'j-g2-s1-1', producerId: '22', epoch: 7 }]
    const decision = decideHangingTransactions(
      [open('events', 0, '22', 7), open('events', 1, '22', 8)],
      fenced,
      promised,
    )
    expect(decision.markers.map((m) => [m.epoch, m.commit])).toEqual([
      [7, true],
      [8, false],
    ])
  })

  it("leaves other producers' transactions alone (other slots, other applications)", () => {
    const decision = decideHangingTransactions([open('events', 0, '99', 0), open('events', 1, '1000', 3)], fenced, [])
    expect(decision).toEqual({ markers: [], hanging: [] })
  })

  it('leaves a transaction written with the current epoch alone: it is not hanging', () => {
    const decision = decideHangingTransactions([open('events', 0, '23', 3)], fenced, [])
    expect(decision.markers).toEqual([])
  })

  it('uses each partition-reported coordinator epoch: different ones become separate markers', () => {
    const a = { ...open('events', 0, '21', 4), coordinatorEpoch: 1 }
    const b = { ...open('events', 1, '21', 4), coordinatorEpoch: 2 }
    const decision = decideHangingTransactions([a, b], fenced, [])
    expect(decision.markers.map((m) => m.coordinatorEpoch)).toEqual([1, 2])
  })
})
