import { describe, expect, it } from 'vitest'
import type {
  FetchedPartition,
  FetchedRecord,
  FetchOptions,
  FetchRequest,
  KafkaClient,
} from '../../../../runtime/kafka/kafka-client.ts'
import { SourceReader, type SourceSlice } from '../../../../runtime/source/source-reader.ts'

/** A topic as plain values: partition → record count; a fetch returns up to `perFetch` records. */
function fakeKafka(sizes: Record<string, number>, perFetch: number) {
  const calls: FetchRequest[][] = []
  const fetch = async (requests: readonly FetchRequest[], _options: FetchOptions): Promise<FetchedPartition[]> => {
    calls.push([...requests])
    return requests.map((r) => {
      const size = BigInt(sizes[`${r.topic}/${r.partition}`] ?? 0)
      const end = r.offset + BigInt(perFetch) < size ? r.offset + BigInt(perFetch) : size
      const records: FetchedRecord[] = []
      for (let o = r.offset; o < end; o++) records.push(record(r.topic, r.partition, o))
      return {
        topic: r.topic,
        partition: r.partition,
        records,
        nextOffset: end,
        highWatermark: size,
        lastStableOffset: size,
      }
    })
  }
  return { kafka: { fetch } as unknown as KafkaClient, calls }
}

function record(topic: string, partition: number, offset: bigint): FetchedRecord {
  return { topic, partition, offset, key: null, value: null, headers: {}, timestamp: 0 }
}

/** Reads like the slot does: positions advance only as slices are processed. */
async function readAll(reader: SourceReader, positions: Map<string, bigint>, slices: SourceSlice[]) {
  const asRequests = () =>
    [...positions].map(([key, offset]) => {
      const [topic, partition] = key.split('/')
      return { topic: topic!, partition: Number(partition), offset }
    })
  for (let i = 0; i < 100; i++) {
    const slice = await reader.next(asRequests, 1)
    slices.push(slice)
    if (slice.records === 0) return
    for (const part of slice.parts) {
      const key = `${part.topic}/${part.partition}`
      for (const r of part.records) {
        expect(r.offset).toBe(positions.get(key))
        positions.set(key, r.offset + 1n)
      }
      if (part.nextOffset !== undefined) positions.set(key, part.nextOffset)
    }
  }
  throw new Error('never caught up')
}

describe('SourceReader', () => {
  it('hands out every record once, in offset order, at most sliceRecords at a time', async () => {
    const { kafka } = fakeKafka({ 'in/0': 25, 'in/1': 7 }, 10)
    const reader = new SourceReader(kafka, { maxBytesPerPartition: 1024, sliceRecords: 4, prefetch: true })
    const positions = new Map([
      ['in/0', 0n],
      ['in/1', 0n],
    ])
    const slices: SourceSlice[] = []
    await readAll(reader, positions, slices)
    expect(positions).toEqual(
      new Map([
        ['in/0', 25n],
        ['in/1', 7n],
      ]),
    )
    expect(Math.max(...slices.map((s) => s.records))).toBeLessThanOrEqual(4)
    expect(slices.reduce((n, s) => n + s.records, 0)).toBe(32)
  })

  it('gives each partition a share of a slice, so a backlog does not hold up the others', async () => {
    const { kafka } = fakeKafka({ 'in/0': 100, 'in/1': 100 }, 100)
    const reader = new SourceReader(kafka, { maxBytesPerPartition: 1024, sliceRecords: 10, prefetch: false })
    const slice = await reader.next(
      () => [
        { topic: 'in', partition: 0, offset: 0n },
        { topic: 'in', partition: 1, offset: 0n },
      ],
      1,
    )
    expect(slice.parts.map((p) => [p.partition, p.records.length])).toEqual([
      [0, 5],
      [1, 5],
    ])
    // Not the end of either answer: the positions move only with the records.
    expect(slice.parts.every((p) => p.nextOffset === undefined)).toBe(true)
  })

  it('prefetches from where the answer ends, and stops prefetching once an answer is empty', async () => {
    const { kafka, calls } = fakeKafka({ 'in/0': 6 }, 3)
    const reader = new SourceReader(kafka, { maxBytesPerPartition: 1024, sliceRecords: 100, prefetch: true })
    const positions = new Map([['in/0', 0n]])
    await readAll(reader, positions, [])
    // 0 → 3 (prefetch 3) → 6 (prefetch 6, empty): no prefetch after the empty answer.
    expect(calls.map((c) => c[0]!.offset)).toEqual([0n, 3n, 6n])
    await reader.next(() => [{ topic: 'in', partition: 0, offset: 6n }], 1)
    expect(calls.map((c) => c[0]!.offset)).toEqual([0n, 3n, 6n, 6n])
  })

  it("passes an empty answer on as one slice with each partition's last stable offset", async () => {
    const { kafka } = fakeKafka({ 'in/0': 4 }, 10)
    const reader = new SourceReader(kafka, { maxBytesPerPartition: 1024, sliceRecords: 10, prefetch: true })
    const slice = await reader.next(() => [{ topic: 'in', partition: 0, offset: 4n }], 1)
    expect(slice).toEqual({
      records: 0,
      parts: [{ topic: 'in', partition: 0, records: [], nextOffset: 4n, lastStableOffset: 4n }],
    })
  })

  it('refuses a slice size that is not a positive integer', () => {
    const { kafka } = fakeKafka({}, 1)
    expect(() => new SourceReader(kafka, { maxBytesPerPartition: 1024, sliceRecords: 0, prefetch: true })).toThrow(
      /'sliceRecords' must be a positive integer, got 0/,
    )
  })
})
