import { describe, expect, it } from 'vitest'
import { encodeRecordBatch, varlongSize, writeVarlong } from '../../../../runtime/kafka/kafkajs/record-batch.ts'

const varlong = (n: number) => {
  const buf = Buffer.alloc(10)
  const end = writeVarlong(buf, 0, n)
  expect(varlongSize(n)).toBe(end)
  return buf.subarray(0, end).toString('hex')
}

describe('record batch encoding', () => {
  it('writes zigzag varints as Kafka does, beyond 32 bits too', () => {
    expect(varlong(0)).toBe('00')
    expect(varlong(-1)).toBe('01')
    expect(varlong(1)).toBe('02')
    expect(varlong(63)).toBe('7e')
    expect(varlong(-64)).toBe('7f')
    expect(varlong(64)).toBe('8001')
    expect(varlong(300)).toBe('d804')
    expect(varlong(2 ** 40)).toBe('808080808040') // zigzag 2^41: five empty groups, then bit 6
  })

  it('lays out the header: length, magic 2, transactional flag, offsets and timestamps', () => {
    const batch = encodeRecordBatch({ producerId: '4000', producerEpoch: 3, baseSequence: 7, transactional: true }, [
      { key: Buffer.from('k'), value: Buffer.from('v1'), headers: {}, timestamp: 1000 },
      { key: null, value: null, headers: { h: 'x' }, timestamp: 990 },
    ])
    expect(batch.readInt32BE(8)).toBe(batch.length - 12)
    expect(batch.readInt8(16)).toBe(2)
    expect(batch.readInt16BE(21) & 0x10).toBe(0x10)
    expect(batch.readInt32BE(23)).toBe(1) // lastOffsetDelta
    expect(batch.readBigInt64BE(27)).toBe(990n) // base timestamp: the smallest
    expect(batch.readBigInt64BE(35)).toBe(1000n)
    expect(batch.readBigInt64BE(43)).toBe(4000n)
    expect(batch.readInt16BE(51)).toBe(3)
    expect(batch.readInt32BE(53)).toBe(7)
    expect(batch.readInt32BE(57)).toBe(2)
    // First record: body length 9 (zigzag 0x12), attributes 0, timestamp delta 10 (zigzag 0x14),
    // offset delta 0, key "k" (length 1: 0x02), value "v1" (length 2: 0x04), no headers.
    expect(batch.subarray(61, 71).toString('hex')).toBe('12001400026b04763100')
  })
})
