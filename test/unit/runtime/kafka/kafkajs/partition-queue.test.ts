import { describe, expect, it } from 'vitest'
import { newPartitionQueue, takeBatch } from '../../../../../runtime/kafka/kafkajs/partition-queue.ts'

describe('takeBatch()', () => {
  it('takes the oldest records with the next sequence numbers and wraps the sequence at 2^31', () => {
    const queue = newPartitionQueue({ topic: 'out', partition: 3 })
    expect(queue.key).toBe('out/3')
    for (const v of ['a', 'b', 'c']) {
      queue.queued.push({ topic: 'out', partition: 3, key: null, value: Buffer.from(v), timestamp: 1 })
      queue.sizes.push(10)
    }
    queue.nextSequence = 2 ** 31 - 1
    const batch = takeBatch(queue, 2)
    expect(batch.firstSequence).toBe(2 ** 31 - 1)
    expect(batch.messages.map((m) => m.value?.toString())).toEqual(['a', 'b'])
    expect(batch.bytes).toBe(20)
    expect(queue.nextSequence).toBe(1)
    expect(queue.queued.map((r) => r.value?.toString())).toEqual(['c'])
    expect(queue.sizes).toEqual([10])
  })
})
