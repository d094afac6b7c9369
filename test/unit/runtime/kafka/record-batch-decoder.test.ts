import { createRequire } from 'node:module'
import { crc32c } from '@node-rs/crc32'
import { describe, expect, it } from 'vitest'
import { readCommitted } from '../../../../runtime/kafka/kafkajs/read-committed.ts'
import { encodeRecordBatch } from '../../../../runtime/kafka/kafkajs/record-batch.ts'
import { decodeRecordBatches, RecordBatchFormatError } from '../../../../runtime/kafka/kafkajs/record-batch-decoder.ts'

// kafkajs's own encoder and decoder, as an independent oracle (unit tests only).
const require = createRequire(import.meta.url)
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch(o: Record<string, unknown>): Promise<{ buffer: Buffer }>
}
const kafkajsDecode = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (d: unknown) => Promise<{
  records: Array<{
    offset: string
    timestamp: string
    key: Buffer | null
    value: Buffer | null
    headers: Record<string, Buffer>
  }>
}>
const KafkajsDecoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown
const KafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: unknown) => unknown
const GZIP = 1

const tp = { topic: 't', partition: 3 }
/** A batch as the broker stores it: our encoder's bytes with the base offset set. */
function stored(baseOffset: bigint, records: Parameters<typeof encodeRecordBatch>[1], transactional = false): Buffer {
  const batch = encodeRecordBatch({ producerId: '77', producerEpoch: 0, baseSequence: 0, transactional }, records)
  batch.writeBigInt64BE(baseOffset, 0)
  return batch
}

describe('decodeRecordBatches()', () => {
  it('reads what record-batch.ts writes: offsets, timestamps, keys, values, headers, null and empty', async () => {
    const batch = stored(1000n, [
      { key: Buffer.from('k'), value: Buffer.from('v1'), headers: {}, timestamp: 1_700_000_000_000 },
      { key: null, value: null, headers: { h: 'x', empty: '' }, timestamp: 1_699_999_999_000 },
      { key: Buffer.alloc(0), value: Buffer.alloc(300, 7), headers: {}, timestamp: 1_700_000_000_500 },
    ])
    const [decoded] = await decodeRecordBatches(batch, tp)
    expect(decoded).toMatchObject({ baseOffset: 1000n, lastOffsetDelta: 2, producerId: 77n, inTransaction: false })
    expect(decoded!.records.map((r) => [r.topic, r.partition, r.offset, r.timestamp])).toEqual([
      ['t', 3, 1000n, 1_700_000_000_000],
      ['t', 3, 1001n, 1_699_999_999_000],
      ['t', 3, 1002n, 1_700_000_000_500],
    ])
    expect(decoded!.records[0]).toMatchObject({ key: Buffer.from('k'), value: Buffer.from('v1'), headers: {} })
    expect(decoded!.records[1]).toMatchObject({ key: null, value: null })
    expect(decoded!.records[1]!.headers).toEqual({ h: Buffer.from('x'), empty: Buffer.alloc(0) })
    expect(decoded!.records[2]!.value).toEqual(Buffer.alloc(300, 7))
  })

  it('agrees with kafkajs on a gzip batch kafkajs wrote, and leaves out a partial batch at the end', async () => {
    const records = Array.from({ length: 50 }, (_, i) => ({
      offsetDelta: i,
      timestampDelta: i * 3,
      key: Buffer.from(`key-${i}`),
      value: Buffer.from(`value-${i}`.repeat(i % 5)),
      headers: i % 7 === 0 ? { trace: Buffer.from(String(i)) } : {},
    }))
    const { buffer } = await RecordBatch({
      compression: GZIP,
      firstOffset: '5000000000',
      firstTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_147,
      lastOffsetDelta: 49,
      records: records.map(KafkajsRecord),
    })
    const second = stored(5_000_000_050n, [{ key: null, value: Buffer.from('x'), headers: {}, timestamp: 5 }])
    const answer = Buffer.concat([buffer, second.subarray(0, second.length - 3)])
    const ours = await decodeRecordBatches(answer, tp)
    expect(ours).toHaveLength(1)
    const theirs = await kafkajsDecode(new KafkajsDecoder(buffer))
    expect(ours[0]!.records.map((r) => [String(r.offset), String(r.timestamp), r.key, r.value, r.headers])).toEqual(
      theirs.records.map((r) => [r.offset, r.timestamp, r.key, r.value, r.headers]),
    )
  })

  it('refuses an old message format, a damaged batch (CRC-32C) and a record that runs past its batch, naming the partition', async () => {
    const old = stored(0n, [{ key: null, value: Buffer.from('x'), headers: {}, timestamp: 1 }])
    old.writeInt8(1, 16)
    await expect(decodeRecordBatches(old, tp)).rejects.toThrow(/t\/3: a record batch in message format v1/)
    const damaged = stored(0n, [{ key: null, value: Buffer.from('xyz'), headers: {}, timestamp: 1 }])
    damaged.writeInt8(0x7e, 61) // record length 63: past the batch's end
    await expect(decodeRecordBatches(damaged, tp)).rejects.toThrow(RecordBatchFormatError)
    damaged.writeUInt32BE(crc32c(damaged.subarray(21)), 17)
    await expect(decodeRecordBatches(damaged, tp)).rejects.toThrow(/t\/3: a record runs past its batch/)
    const flipped = stored(42n, [{ key: null, value: Buffer.from('xyz'), headers: {}, timestamp: 1 }])
    flipped[flipped.length - 2]! ^= 1
    await expect(decodeRecordBatches(flipped, tp)).rejects.toThrow(
      /t\/3: the record batch at offset 42 fails its CRC-32C check/,
    )
  })
})

describe('readCommitted() over decoded batches', () => {
  it('drops an aborted transaction and the markers, keeps committed data, and moves past all of it', async () => {
    const data = (offset: bigint, value: string) =>
      stored(offset, [{ key: null, value: Buffer.from(value), headers: {}, timestamp: 1 }], true)
    const marker = (offset: bigint, type: number) => {
      const key = Buffer.alloc(4)
      key.writeInt16BE(type, 2)
      const batch = stored(offset, [{ key, value: Buffer.alloc(6), headers: {}, timestamp: 1 }], true)
      batch.writeInt16BE(batch.readInt16BE(21) | 0x20, 21) // control batch
      batch.writeUInt32BE(crc32c(batch.subarray(21)), 17)
      return batch
    }
    const batches = await decodeRecordBatches(
      Buffer.concat([data(10n, 'aborted'), marker(11n, 0), data(12n, 'kept'), marker(13n, 1)]),
      tp,
    )
    const read = readCommitted({
      fetchOffset: 10n,
      batches,
      abortedTransactions: [{ producerId: 77n, firstOffset: 10n }],
    })
    expect(read.records.map((r) => r.value?.toString())).toEqual(['kept'])
    expect(read.nextOffset).toBe(14n)
  })
})
