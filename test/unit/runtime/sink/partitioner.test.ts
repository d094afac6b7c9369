import { Partitioners } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { murmur2, partitionForKey } from '../../../../runtime/sink/partitioner.ts'

// kafkajs's default partitioner is the Java client's (murmur2); it serves as an independent oracle.
const javaCompatible = Partitioners.DefaultPartitioner()
function oracle(key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({
    partitionId: i,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }))
  return javaCompatible({ topic: 't', partitionMetadata, message: { key, value: null } })
}

describe('murmur2()', () => {
  it('matches the Java client on its own test vectors', () => {
    expect(murmur2(Buffer.from('21'))).toBe(-973932308)
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482)
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536)
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829)
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971)
    expect(murmur2(Buffer.from('abc'))).toBe(479470107)
  })
})

describe('partitionForKey()', () => {
  it('agrees with the Java-compatible partitioner for many keys and partition counts', () => {
    for (const partitions of [1, 3, 4, 7, 12]) {
      for (let i = 0; i < 500; i++) {
        const key = `key-${i}-${'x'.repeat(i % 7)}`
        expect(partitionForKey(Buffer.from(key), partitions, 0)).toBe(oracle(key, partitions))
      }
    }
  })

  it('sends keyless records to the source partition, modulo the count', () => {
    expect(partitionForKey(null, 4, 6)).toBe(2)
  })
})
