import { describe, expect, it } from 'vitest'
import type { OpenTransaction } from '../../../../runtime/kafka/kafka-client.ts'
import { hangingAlarmMessage, trackOpenTransactions } from '../../../../runtime/slot/hanging-watch.ts'

const open = (partition: number, producerId: string, startOffset: bigint): OpenTransaction => ({
  topic: 'counts',
  partition,
  producerId,
  epoch: 3,
  coordinatorEpoch: 1,
  startOffset,
})

describe('trackOpenTransactions()', () => {
  it('reports a transaction once it has stayed open at the same start offset past the threshold', () => {
    const first = trackOpenTransactions(new Map(), [open(0, '7', 100n)], 1_000, 60_000)
    expect(first.hanging).toEqual([])
    const later = trackOpenTransactions(first.seen, [open(0, '7', 100n)], 61_000, 60_000)
    expect(later.hanging).toEqual([{ ...open(0, '7', 100n), openForMs: 60_000 }])
  })

  it('starts the clock again for a new transaction of the same producer (another start offset), and forgets closed ones', () => {
    const first = trackOpenTransactions(new Map(), [open(0, '7', 100n), open(1, '8', 5n)], 0, 60_000)
    const next = trackOpenTransactions(first.seen, [open(0, '7', 250n)], 61_000, 60_000)
    expect(next.hanging).toEqual([])
    expect([...next.seen.keys()]).toEqual(['counts/0/7/3/250'])
  })
})

describe('hangingAlarmMessage()', () => {
  it('names the partition, the producer and the command that closes its transaction', () => {
    const message = hangingAlarmMessage({ ...open(2, '4001', 1234n), openForMs: 16 * 60_000 }, 'kafka:9092')
    expect(message).toContain(
      'Partition counts/2 has been held open for 16 min, since offset 1234, by producer 4001 (epoch 3)',
    )
    expect(message).toContain(
      'kafka-transactions.sh --bootstrap-server kafka:9092 abort --topic counts --partition 2 --start-offset 1234',
    )
  })
})
