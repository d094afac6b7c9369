import { describe, expect, it } from 'vitest'
import { ReplayRefusedError, replayModel } from '../../../../runtime/cli/verify-replay.ts'
import type { FetchedRecord } from '../../../../runtime/kafka/kafka-client.ts'
import {
  decodeLineage,
  encodeLineage,
  type LineageEntry,
  LineageFormatError,
  lineageRecords,
  sliceLineage,
} from '../../../../runtime/source/lineage.ts'
import { orderByLineage } from '../../../../runtime/source/lineage-order.ts'
import type { SlicePart } from '../../../../runtime/source/source-reader.ts'
import enrich from '../../../fixtures/enrich-job.ts'

const rec = (topic: string, partition: number, offset: number, key: string, value: string): FetchedRecord => ({
  topic,
  partition,
  offset: BigInt(offset),
  key: Buffer.from(key),
  value: Buffer.from(value),
  headers: {},
  timestamp: 0,
})
const part = (topic: string, partition: number, offsets: number[]): SlicePart => ({
  topic,
  partition,
  records: offsets.map((o) => rec(topic, partition, o, 'k', 'v')),
  lastStableOffset: 100n,
})
const run = (topic: string, from: number, to: number) => ({ topic, from: BigInt(from), to: BigInt(to) })

describe('sliceLineage() and lineageRecords()', () => {
  it('gives each task its runs in processing order, merging adjacent parts of one partition', () => {
    const slice = {
      parts: [
        part('clicks', 0, [0, 1, 2]),
        part('profiles', 0, [5]),
        part('clicks', 1, [7, 9]),
        part('profiles', 1, []),
        part('clicks', 1, [10]),
      ],
      records: 7,
    }
    expect(sliceLineage(slice)).toEqual([
      { task: 0, runs: [run('clicks', 0, 3), run('profiles', 5, 6)] },
      // 7..9 then 10: offset 8 was a transaction marker; one run from 7 to 11.
      { task: 1, runs: [run('clicks', 7, 11)] },
    ])
    const records = lineageRecords(slice, 'lineage', 1)
    expect(records.map((r) => [r.partition, r.key?.toString()])).toEqual([
      [0, 'task-0'],
      [0, 'task-1'],
    ])
    expect(lineageRecords(slice, 'lineage', 4).map((r) => r.partition)).toEqual([0, 1])
  })

  it('round-trips through its format and names a record that is not lineage', () => {
    const entry: LineageEntry = { task: 3, runs: [run('a', 0, 5), run('b', 2, 3)] }
    expect(decodeLineage(encodeLineage(entry), 'l/0@0')).toEqual(entry)
    expect(() => decodeLineage(Buffer.from('hello'), 'l/0@7')).toThrow(LineageFormatError)
    expect(() => decodeLineage(Buffer.from('{"v":1,"task":0,"runs":[["a","5","5"]]}'), 'l/0@8')).toThrow(
      /l\/0@8: a run must be \[topic, from, to\] with from < to/,
    )
  })
})

describe('orderByLineage()', () => {
  const input = [
    ...[0, 1, 2, 3, 4].map((o) => rec('clicks', 0, o, 'u', `c${o}`)),
    ...[0, 1].map((o) => rec('profiles', 0, o, 'u', `p${o}`)),
  ]

  it('orders each task as its runs say, each record once, and finds nothing wrong in a clean lineage', () => {
    const order = orderByLineage(input, [
      { task: 0, runs: [run('profiles', 0, 1), run('clicks', 0, 2)] },
      { task: 0, runs: [run('profiles', 1, 2), run('clicks', 2, 5)] },
    ])
    expect(order.tasks.get(0)!.map((r) => r.value!.toString())).toEqual(['p0', 'c0', 'c1', 'p1', 'c2', 'c3', 'c4'])
    expect(order).toMatchObject({ runs: 4, reprocessed: [], skipped: [], pending: [], notRead: 0 })
  })

  it('reports records processed twice, skipped and not processed yet, and where the job started', () => {
    const order = orderByLineage(input, [
      { task: 0, runs: [run('clicks', 1, 3)] },
      { task: 0, runs: [run('clicks', 2, 4), run('profiles', 0, 1)] },
    ])
    expect(order.notRead).toBe(1)
    expect(order.reprocessed).toEqual([{ topic: 'clicks', partition: 0, from: 2n, to: 3n, records: 1 }])
    expect(order.pending).toEqual([
      { topic: 'clicks', partition: 0, from: 4n, to: 5n, records: 1 },
      { topic: 'profiles', partition: 0, from: 1n, to: 2n, records: 1 },
    ])
    // Each record replayed once, even where committed transactions processed it twice.
    expect(order.tasks.get(0)!.map((r) => r.value!.toString())).toEqual(['c1', 'c2', 'c3', 'p0'])
    const skipping = orderByLineage(input, [{ task: 0, runs: [run('clicks', 0, 1), run('clicks', 3, 5)] }])
    expect(skipping.skipped).toEqual([{ topic: 'clicks', partition: 0, from: 1n, to: 3n, records: 2 }])
  })

  it('sees no gap where offsets hold no committed record (transaction markers, aborted data)', () => {
    const sparse = [rec('clicks', 0, 0, 'u', 'a'), rec('clicks', 0, 3, 'u', 'b')]
    const order = orderByLineage(sparse, [{ task: 0, runs: [run('clicks', 0, 1), run('clicks', 3, 4)] }])
    expect(order).toMatchObject({ skipped: [], reprocessed: [], pending: [] })
  })
})

describe('replayModel() with lineage', () => {
  const input = [
    rec('profiles', 0, 0, 'u1', 'alice'),
    rec('profiles', 0, 1, 'u1', 'bob'),
    rec('clicks', 0, 0, 'u1', 'home'),
    rec('clicks', 0, 1, 'u1', 'cart'),
  ]
  const options = { inputTopics: ['clicks', 'profiles'], outputTopic: 'enriched', partitions: 1 }
  const replay = (lineage: LineageEntry[]) =>
    replayModel(enrich, input, { ...options, lineage: orderByLineage(input, lineage) }).map((r) => r.value)

  it('replays several topics in the order the lineage recorded, which decides the output', () => {
    expect(
      replay([
        { task: 0, runs: [run('profiles', 0, 1), run('clicks', 0, 1)] },
        { task: 0, runs: [run('profiles', 1, 2), run('clicks', 1, 2)] },
      ]),
    ).toEqual(['home by alice', 'cart by bob'])
    expect(replay([{ task: 0, runs: [run('clicks', 0, 2), run('profiles', 0, 2)] }])).toEqual([
      'home by unknown',
      'cart by unknown',
    ])
  })

  it('refuses several topics without lineage, naming the spec field and the flag', () => {
    expect(() => replayModel(enrich, input, options)).toThrow(ReplayRefusedError)
    expect(() => replayModel(enrich, input, options)).toThrow(/spec\.kafka\.sink\.lineageTopic.*--lineage/)
  })
})
