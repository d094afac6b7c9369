import { describe, expect, it } from 'vitest'
import { defineJob } from '../../../../runtime/api/define-job.ts'
import type { FetchedRecord, OutgoingRecord } from '../../../../runtime/kafka/kafka-client.ts'
import { processSlice, SlotLag } from '../../../../runtime/slot/process-slice.ts'
import { KeyedState } from '../../../../runtime/state/keyed-state.ts'
import { Task } from '../../../../runtime/task/task.ts'

const job = defineJob({
  process(record, ctx) {
    const word = record.value!.toString()
    const n = (ctx.state.get<number>(word) ?? 0) + 1
    ctx.state.set(word, n)
    ctx.emit({ key: word, value: String(n) })
  },
})

const task = (partition: number) =>
  new Task({
    partition,
    slot: 0,
    job,
    config: {},
    state: new KeyedState(),
    offsets: new Map([['words', 0n]]),
    sinkTopic: 'counts',
    errorPolicy: { kind: 'fail' },
    partitionsOf: () => 1,
  })

const record = (partition: number, offset: bigint, word: string): FetchedRecord => ({
  topic: 'words',
  partition,
  offset,
  key: null,
  value: Buffer.from(word),
  headers: {},
  timestamp: 0,
})

const counter = () => {
  const seen: unknown[] = []
  return {
    seen,
    metric: { inc: (...args: unknown[]) => seen.push(args), set: (...args: unknown[]) => seen.push(args) },
  }
}

describe('processSlice()', () => {
  it('runs each record through its task, moves the task past the slice and sums the lag over partitions', () => {
    const tasks = new Map([
      [0, task(0)],
      [1, task(1)],
    ])
    const out: OutgoingRecord[] = []
    const lag = new SlotLag()
    const { metric } = counter()
    const metrics = {
      deadLetters: metric,
      partitionLag: metric,
      recordsIn: metric,
      timersFired: metric,
      stateExpired: metric,
      recordsDropped: metric,
      watermark: metric,
    }
    const processed = processSlice(
      {
        records: 3,
        parts: [
          { topic: 'words', partition: 0, records: [record(0, 0n, 'a'), record(0, 1n, 'a')], lastStableOffset: 10n },
          // Past a control record: the position moves beyond the last record.
          { topic: 'words', partition: 1, records: [record(1, 4n, 'b')], nextOffset: 6n, lastStableOffset: 6n },
        ],
      },
      tasks,
      out,
      lag,
      metrics,
      0,
    )
    expect(processed).toBe(3)
    expect(out.map((r) => [r.key?.toString(), r.value?.toString()])).toEqual([
      ['a', '1'],
      ['a', '2'],
      ['b', '1'],
    ])
    expect(tasks.get(0)!.offsets.get('words')).toBe(2n)
    expect(tasks.get(1)!.offsets.get('words')).toBe(6n)
    expect(lag.total()).toBe(8)
  })
})

describe('SlotLag', () => {
  it('total() keeps the last figure of each partition', () => {
    const lag = new SlotLag()
    lag.set({ topic: 't', partition: 0 }, 5)
    lag.set({ topic: 't', partition: 1 }, 2)
    lag.set({ topic: 't', partition: 0 }, 1)
    expect(lag.total()).toBe(3)
  })
})
