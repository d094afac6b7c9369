import { describe, expect, it } from 'vitest'
import { defineJob } from '../../../../runtime/api/define-job.ts'
import type { FetchedRecord, OutgoingRecord } from '../../../../runtime/kafka/kafka-client.ts'
import { KeyedState } from '../../../../runtime/state/keyed-state.ts'
import { type ErrorPolicy, RecordProcessingError, Task } from '../../../../runtime/task/task.ts'

const wordCount = defineJob({
  process(record, ctx) {
    const word = record.value!.toString()
    if (word === 'boom') {
      ctx.state.set('poisoned', true)
      ctx.emit({ key: 'partial', value: 'never seen' })
      throw new Error('cannot count "boom"')
    }
    const n = (ctx.state.get<number>(word) ?? 0) + 1
    ctx.state.set(word, n)
    ctx.emit({ key: word, value: String(n) })
  },
})

function record(offset: bigint, value: string): FetchedRecord {
  return { topic: 'words', partition: 1, offset, key: null, value: Buffer.from(value), headers: {}, timestamp: 0 }
}

function newTask(errorPolicy: ErrorPolicy): Task {
  return new Task({
    partition: 1,
    slot: 0,
    job: wordCount,
    config: {},
    state: new KeyedState(),
    offsets: new Map([['words', 0n]]),
    sinkTopic: 'counts',
    errorPolicy,
    partitionsOf: () => 3,
  })
}

const values = (out: OutgoingRecord[]) => out.map((r) => `${r.topic}:${r.key?.toString()}=${r.value?.toString()}`)

describe('Task.process()', () => {
  it('updates state, emits to the sink topic and advances the offset', () => {
    const task = newTask({ kind: 'fail' })
    const out: OutgoingRecord[] = []
    task.process(record(0n, 'a'), out)
    task.process(record(1n, 'a'), out)
    task.process(record(2n, 'b'), out)
    expect(values(out)).toEqual(['counts:a=1', 'counts:a=2', 'counts:b=1'])
    expect(task.offsets.get('words')).toBe(3n)
    expect(task.state.get('a')).toBe(2)
  })

  it('with policy fail, throws a RecordProcessingError naming the record and the fix, and does not advance', () => {
    const task = newTask({ kind: 'fail' })
    const out: OutgoingRecord[] = []
    expect(() => task.process(record(7n, 'boom'), out)).toThrow(RecordProcessingError)
    expect(() => task.process(record(7n, 'boom'), out)).toThrow(
      'Cannot process record words/1@7: cannot count "boom"; fix the job or set spec.job.onError to dead-letter',
    )
    expect(out).toEqual([])
    expect(task.offsets.get('words')).toBe(0n)
  })

  it('RecordProcessingError.publicMessage names the record and the error class, never the message (it may quote the record)', () => {
    const error = (() => {
      try {
        newTask({ kind: 'fail' }).process(record(7n, 'boom'), [])
      } catch (e) {
        return e as RecordProcessingError
      }
    })()
    expect(error?.publicMessage).toBe(
      "Cannot process record words/1@7: process threw Error (its message is in the worker's log); fix the job or set spec.job.onError to dead-letter",
    )
    expect(error?.publicMessage).not.toContain('boom')
  })

  it('with policy dead-letter, undoes the record state and output and sends it to the DLQ with the error', () => {
    const task = newTask({ kind: 'dead-letter', topic: 'words-dlq' })
    const out: OutgoingRecord[] = []
    task.process(record(0n, 'a'), out)
    task.process(record(1n, 'boom'), out)
    task.process(record(2n, 'a'), out)
    expect(values(out)).toEqual(['counts:a=1', 'words-dlq:undefined=boom', 'counts:a=2'])
    expect(out[1]?.headers).toMatchObject({
      'exactly.error.message': 'cannot count "boom"',
      'exactly.source.offset': '1',
      'exactly.source.partition': '1',
    })
    expect(task.state.has('poisoned')).toBe(false)
    expect(task.offsets.get('words')).toBe(3n)
    expect(task.deadLetters).toBe(1)
  })
})
