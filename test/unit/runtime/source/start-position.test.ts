import { describe, expect, it } from 'vitest'
import type { OffsetQuery, TopicPartition } from '../../../../runtime/kafka/kafka-client.ts'
import { startOffsets } from '../../../../runtime/source/start-position.ts'

/** ListOffsets as plain values: earliest 0, latest 50, and at a time the offset `time / 10` up to 40, else -1. */
function listOffsets(asked: string[]) {
  return async (partitions: readonly TopicPartition[], which: OffsetQuery) => {
    asked.push(typeof which === 'string' ? which : `t${which.timestamp}`)
    return new Map(
      partitions.map((tp) => {
        const key = `${tp.topic}/${tp.partition}`
        if (which === 'earliest') return [key, 0n]
        if (which === 'latest') return [key, 50n]
        const offset = Math.ceil(which.timestamp / 10)
        return [key, offset <= 40 ? BigInt(offset) : -1n]
      }),
    )
  }
}

const tps = [
  { topic: 'a', partition: 0 },
  { topic: 'b', partition: 0 },
]

describe('startOffsets', () => {
  it('is startFrom alone without refinements', async () => {
    const asked: string[] = []
    expect(await startOffsets({ listOffsets: listOffsets(asked) }, tps, { startFrom: 'latest' })).toEqual(
      new Map([
        ['a/0', 50n],
        ['b/0', 50n],
      ]),
    )
    expect(asked).toEqual(['latest'])
  })

  it('takes explicit offsets first, then the timestamp, and the end of a partition with nothing at or after it', async () => {
    const asked: string[] = []
    const kafka = { listOffsets: listOffsets(asked) }
    expect(
      await startOffsets(kafka, tps, { startFrom: 'earliest', timestampMs: 200, offsets: { 'a/0': '7' } }),
    ).toEqual(
      new Map([
        ['a/0', 7n],
        ['b/0', 20n],
      ]),
    )
    expect(await startOffsets(kafka, tps, { startFrom: 'earliest', timestampMs: 900 })).toEqual(
      new Map([
        ['a/0', 50n],
        ['b/0', 50n],
      ]),
    )
    expect(asked).toEqual(['t200', 't900', 'latest'])
  })

  it('asks nothing when every partition has an explicit offset', async () => {
    const asked: string[] = []
    const offsets = { 'a/0': '1', 'b/0': '2' }
    await startOffsets({ listOffsets: listOffsets(asked) }, tps, { startFrom: 'earliest', offsets })
    expect(asked).toEqual([])
  })
})
