/**
 * Each example job, run task by task over generated input (no Kafka), must agree with its
 * independently written expected-output model; and the comparison must catch a duplicate, a loss
 * and a stranger. The real runs against Kafka use the same models through `exactly verify`.
 */
import { describe, expect, it } from 'vitest'
import { expectedBank, projectBankEvent } from '../../../examples/bank-transfers/expected.ts'
import { commandKey, generateBankCommands } from '../../../examples/bank-transfers/generate.ts'
import bankJob from '../../../examples/bank-transfers/job.ts'
import { expectedDedup } from '../../../examples/dedup/expected.ts'
import dedupJob from '../../../examples/dedup/job.ts'
import { compareOutput, type InputRecord, type OutputRecord } from '../../../examples/verify-model.ts'
import { expectedWordCount } from '../../../examples/word-count/expected.ts'
import wordCountJob from '../../../examples/word-count/job.ts'
import type { Job } from '../../../runtime/api/define-job.ts'
import type { OutgoingRecord } from '../../../runtime/kafka/kafka-client.ts'
import { partitionForKey } from '../../../runtime/sink/partitioner.ts'
import { KeyedState } from '../../../runtime/state/keyed-state.ts'
import { Task } from '../../../runtime/task/task.ts'

const PARTITIONS = 4

function input(topic: string, entries: Array<[string | null, string]>): InputRecord[] {
  const offsets = new Map<number, number>()
  return entries.map(([key, value]) => {
    const partition = partitionForKey(key === null ? null : Buffer.from(key), PARTITIONS, 0)
    const offset = offsets.get(partition) ?? 0
    offsets.set(partition, offset + 1)
    return { topic, partition, offset: String(offset), key, value }
  })
}

/** Runs `job` over `records` with one Task per partition; emits to `loopTopic` are fed back in. */
function run(job: Job, records: InputRecord[], config: unknown = {}, loopTopic?: string): OutputRecord[] {
  const tasks = new Map<number, Task>()
  const taskFor = (partition: number) => {
    let task = tasks.get(partition)
    if (!task) {
      task = new Task({
        partition,
        slot: 0,
        job,
        config,
        state: new KeyedState(),
        offsets: new Map(),
        sinkTopic: 'out',
        errorPolicy: { kind: 'fail' },
        partitionsOf: () => PARTITIONS,
      })
      tasks.set(partition, task)
    }
    return task
  }
  const queue = [...records]
  const output: OutputRecord[] = []
  let loopOffset = 0
  while (queue.length > 0) {
    const r = queue.shift()!
    const out: OutgoingRecord[] = []
    taskFor(r.partition).process(
      {
        topic: r.topic,
        partition: r.partition,
        offset: BigInt(r.offset),
        key: r.key === null ? null : Buffer.from(r.key),
        value: r.value === null ? null : Buffer.from(r.value),
        headers: {},
        timestamp: 0,
      },
      out,
    )
    for (const o of out) {
      const record = { key: o.key?.toString() ?? null, value: o.value?.toString() ?? null }
      if (o.topic === loopTopic) {
        queue.push({ topic: o.topic, partition: o.partition, offset: String(loopOffset++), ...record })
      } else output.push(record)
    }
  }
  return output
}

describe('examples agree with their expected-output models', () => {
  it('word count', () => {
    const words = 'the cat and the hat and the bat'.split(' ').map((w): [string, string] => [w, w])
    const records = input('words', words)
    const report = compareOutput(expectedWordCount(records), run(wordCountJob, records))
    expect(report).toMatchObject({ ok: true, expected: 8, actual: 8 })
  })

  it('dedup', () => {
    const records = input('events', [
      ['a', '1'],
      ['b', '2'],
      ['a', '3'],
      ['c', '4'],
      ['b', '5'],
    ])
    const output = run(dedupJob, records)
    expect(output.map((r) => `${r.key}=${r.value}`).sort()).toEqual(['a=1', 'b=2', 'c=4'])
    expect(compareOutput(expectedDedup(records), output).ok).toBe(true)
  })

  it('bank transfers: every command accounted for once and the money conserved', () => {
    const commands = generateBankCommands(42, 2000, 30)
    const records = input(
      'bank-commands',
      commands.map((c): [string, string] => [commandKey(c), JSON.stringify(c)]),
    )
    const output = run(bankJob, records, { creditsTopic: 'bank-credits' }, 'bank-credits')
    const expected = expectedBank(records)
    const report = compareOutput({ records: expected.records }, output.map(projectBankEvent))
    expect(report.ok).toBe(true)
    expect(expected.invariants!(output)).toEqual([])
  })
})

describe('compareOutput()', () => {
  const expected = {
    records: [
      { key: 'a', value: '1' },
      { key: 'a', value: '2' },
      { key: 'b', value: '1' },
    ],
  }

  it('finds a duplicate, a missing record and an unexpected one', () => {
    const actual = [
      { key: 'a', value: '1' },
      { key: 'a', value: '1' },
      { key: 'b', value: '1' },
      { key: 'z', value: '9' },
    ]
    const report = compareOutput(expected, actual)
    expect(report.ok).toBe(false)
    expect(report.duplicates).toEqual([{ record: { key: 'a', value: '1' }, extra: 1 }])
    expect(report.missing).toEqual([{ record: { key: 'a', value: '2' }, count: 1 }])
    expect(report.unexpected).toEqual([{ record: { key: 'z', value: '9' }, count: 1 }])
  })

  it('the bank invariants catch a replayed debit', () => {
    const records = input('bank-commands', [
      ['acc-1', JSON.stringify({ type: 'deposit', id: 'd1', account: 'acc-1', amount: 100 })],
      ['acc-1', JSON.stringify({ type: 'transfer', id: 't1', from: 'acc-1', to: 'acc-2', amount: 30 })],
    ])
    const output = run(bankJob, records, { creditsTopic: 'bank-credits' }, 'bank-credits')
    const debit = output.find((r) => r.value?.includes('"debit"'))!
    const replayed = [...output, debit]
    expect(expectedBank(records).invariants!(replayed)).toEqual([
      'account acc-1: debit t1 of 30 moved the balance from 70 to 70',
    ])
  })
})
