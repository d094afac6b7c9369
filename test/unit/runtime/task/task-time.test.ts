import { describe, expect, it } from 'vitest'
import { defineJob } from '../../../../runtime/api/define-job.ts'
import type { OutgoingRecord } from '../../../../runtime/kafka/kafka-client.ts'
import { KeyedState } from '../../../../runtime/state/keyed-state.ts'
import { decodeSnapshot, encodeSnapshot, snapshotChecksum } from '../../../../runtime/state/snapshot-codec.ts'
import { Task } from '../../../../runtime/task/task.ts'
import { expectSameOutputUnderCrashes, JobHarness } from '../../../../runtime/testing/job-harness.ts'

/** Counts per key and emits the count when the watermark passes the key's deadline (timestamp + 1 s). */
const deadlineJob = defineJob({
  time: { maxOutOfOrderness: '100ms' },
  process(record, ctx) {
    const key = record.key!.toString()
    ctx.state.set(key, (ctx.state.get<number>(key) ?? 0) + 1)
    ctx.timers.registerEventTime(key, Math.floor(ctx.timestamp / 1000) * 1000 + 1000)
  },
  onTimer(timer, ctx) {
    ctx.emit({ key: timer.key, value: `${timer.time}:${ctx.state.get(timer.key)}:${ctx.watermark}` })
    ctx.state.delete(timer.key)
  },
})

const at = (key: string, timestamp: number) => ({ key, value: '', timestamp })

describe('event-time timers', () => {
  it('fire once per (key, time) right after the record that moves the watermark past them, in (time, key) order', () => {
    const h = new JobHarness(deadlineJob)
    h.send(at('b', 100), at('a', 200), at('a', 900), at('b', 1050)).run()
    expect(h.uncommitted()).toEqual([])
    // 1101 - 100 - 1 = 1000: both timers at 1000 are due, a before b.
    h.send(at('c', 1101)).run()
    expect(h.uncommitted().map((r) => [r.key, r.value])).toEqual([
      ['a', '1000:2:1000'],
      ['b', '1000:2:1000'],
    ])
    expect(h.watermark()).toBe(1000)
  })

  it('survive a crash: pending timers are restored and fire with the same output', () => {
    const records = [at('x', 10), at('y', 20), at('x', 700), at('z', 1500), at('y', 1900), at('x', 2300), at('q', 5000)]
    const output = expectSameOutputUnderCrashes(deadlineJob, records, { checkpointEvery: 2 })
    expect(output.map((r) => r.value)).toEqual([
      '1000:2:1399',
      '1000:1:1399',
      '2000:1:2199',
      '2000:1:2199',
      '3000:1:4899',
    ])
  })

  it('can be deleted, and are not state the job sees', () => {
    const job = defineJob({
      process(record, ctx) {
        ctx.timers.registerEventTime('k', 50)
        if (record.value?.toString() === 'cancel') ctx.timers.deleteEventTime('k', 50)
      },
      onTimer(timer, ctx) {
        ctx.emit({ value: `fired ${timer.time}` })
      },
    })
    const h = new JobHarness(job)
    h.send({ value: 'cancel', timestamp: 1 }, { value: 'x', timestamp: 10 }, { value: 'cancel', timestamp: 20 })
    h.send({ value: 'late', timestamp: 100 }).run()
    expect(h.uncommitted().map((r) => r.value)).toEqual(['fired 50'])
    expect(h.state().size).toBe(0)
  })

  it('roll back with a dead-lettered record: a timer it registered never fires', () => {
    const job = defineJob({
      process(record, ctx) {
        ctx.timers.registerEventTime(record.value!.toString(), 5)
        if (record.value?.toString() === 'bad') throw new Error('bad record')
      },
      onTimer(timer, ctx) {
        ctx.emit({ value: timer.key })
      },
    })
    const h = new JobHarness(job, { onError: 'dead-letter' })
    h.send({ value: 'bad', timestamp: 1 }, { value: 'good', timestamp: 2 }, { value: 'next', timestamp: 10 }).run()
    expect(h.uncommitted().map((r) => [r.topic, r.value])).toEqual([
      ['dead-letters', 'bad'],
      ['output', 'good'],
      ['output', 'next'],
    ])
  })
})

describe('processing-time timers', () => {
  it('fire when the wall clock reaches them, also after a restore when they fell due while the job was down', () => {
    const job = defineJob({
      process(record, ctx) {
        ctx.timers.registerProcessingTime(record.value!.toString(), ctx.timers.currentProcessingTime() + 1000)
      },
      onTimer(timer, ctx) {
        ctx.emit({ value: `${timer.key}@${timer.time}:${timer.domain}` })
      },
    })
    const h = new JobHarness(job, { startTime: 5000 })
    h.send({ value: 'a' }).run().checkpoint()
    h.advanceProcessingTime(999)
    expect(h.uncommitted()).toEqual([])
    h.crash()
    h.advanceProcessingTime(5000)
    expect(h.uncommitted().map((r) => r.value)).toEqual(['a@6000:processing'])
  })

  it('a timer callback that throws names the timer, or goes to the dead-letter topic', () => {
    const job = defineJob({
      process(_record, ctx) {
        ctx.timers.registerProcessingTime('k', 10)
      },
      onTimer() {
        throw new Error('boom')
      },
    })
    expect(() => new JobHarness(job).send({ value: 'a' }).advanceProcessingTime(10)).toThrow(
      /Cannot fire the processing-time timer of task 0 at 10 \(key "k"\): boom/,
    )
    const h = new JobHarness(job, { onError: 'dead-letter' }).send({ value: 'a' }).advanceProcessingTime(10)
    expect(h.uncommitted()[0]?.headers?.['exactly.timer.time']).toBe('10')
  })
})

describe('state time-to-live', () => {
  const dedup = defineJob({
    process(record, ctx) {
      const id = record.key!.toString()
      if (ctx.state.has(id)) return
      ctx.state.set(id, true, { ttl: '1s' })
      ctx.emit({ key: id, value: record.value })
    },
  })

  it('event time: an entry reads as absent once the watermark passes its write time + ttl, and is deleted', () => {
    const h = new JobHarness(dedup)
    h.send(at('a', 0), at('a', 500), at('b', 999), at('a', 1000)).run()
    expect(h.uncommitted().map((r) => r.key)).toEqual(['a', 'b'])
    // The watermark is 999 (1000 - 0 - 1): a (written at 0, expires at 1000) is still there.
    expect(h.state().has('a')).toBe(true)
    h.send(at('c', 1001), at('a', 1002)).run()
    expect(h.uncommitted().map((r) => r.key)).toEqual(['a', 'b', 'c', 'a'])
    // b expires at 1999, the watermark is 1001: it is still there; a was rewritten at 1002.
    expect([...h.state().keys()].sort()).toEqual(['a', 'b', 'c'])
    // a@1200 arrives while the watermark is 499: a is not expired yet. b@5000 moves it past 1000.
    const records = [at('a', 0), at('a', 500), at('a', 1200), at('b', 5000), at('a', 5000)]
    expect(expectSameOutputUnderCrashes(dedup, records).map((r) => r.key)).toEqual(['a', 'b', 'a'])
  })

  it('processing time: measured on the wall clock', () => {
    const job = defineJob({
      process(record, ctx) {
        ctx.state.set(record.value!.toString(), 1, { ttl: 100, time: 'processing' })
      },
    })
    const h = new JobHarness(job, { startTime: 1000 }).send({ value: 'k' }).run()
    expect(h.state().has('k')).toBe(true)
    h.advanceProcessingTime(100)
    expect(h.state().has('k')).toBe(false)
  })

  it('refuses runtime keys and a ttl that is not a positive duration', () => {
    const job = defineJob({
      process(record, ctx) {
        const how = record.value!.toString()
        if (how === 'runtime') ctx.state.set('\u0000x', 1)
        else ctx.state.set('k', 1, { ttl: how })
      },
    })
    expect(() => new JobHarness(job).send({ value: 'runtime' }).run()).toThrow(/U\+0000 belong to the runtime/)
    expect(() => new JobHarness(job).send({ value: 'soon' }).run()).toThrow(/Invalid ttl of state "k" "soon"/)
  })
})

describe('idle partitions', () => {
  const perTopic = defineJob({
    time: { idleTimeout: '10s' },
    process(record, ctx) {
      ctx.timers.registerEventTime('deadline', 1000)
      ctx.state.set(record.topic, record.offset)
    },
    onTimer(timer, ctx) {
      ctx.emit({ value: `${timer.time} at watermark ${ctx.watermark}` })
    },
  })

  it('a quiet source partition stops holding the watermark back after idleTimeout, and holds it again from its next record', () => {
    const h = new JobHarness(perTopic, { sourceTopics: ['clicks', 'views'], startTime: 0 })
    h.send({ topic: 'clicks', value: 'c', timestamp: 5000 }).run()
    // views has no record: the watermark waits for it.
    expect(h.watermark()).toBe(Number.NEGATIVE_INFINITY)
    h.advanceProcessingTime(9_999)
    expect(h.uncommitted()).toEqual([])
    h.advanceProcessingTime(1)
    expect(h.watermark()).toBe(4999)
    expect(h.uncommitted().map((r) => r.value)).toEqual(['1000 at watermark 4999'])
    // views comes back behind: the watermark does not move back, and does not move on while views lags.
    h.send({ topic: 'views', value: 'v', timestamp: 2000 }, { topic: 'clicks', value: 'c', timestamp: 9000 }).run()
    expect(h.watermark()).toBe(4999)
    h.send({ topic: 'views', value: 'v', timestamp: 7000 }).run()
    expect(h.watermark()).toBe(6999)
  })
})

describe('restoring state written before timers existed', () => {
  it('a version 1 snapshot restores into a task that then registers and fires timers', () => {
    // The exact bytes a v1 build wrote for task 0 with one counted word.
    const v1 = Buffer.from('EXACTLY-SNAPSHOT v1\n{"partition":0,"entries":[["apple",2]]}')
    const job = defineJob({
      process(record, ctx) {
        const word = record.value!.toString()
        ctx.state.set(word, (ctx.state.get<number>(word) ?? 0) + 1)
        ctx.timers.registerEventTime(word, record.timestamp + 10)
      },
      onTimer(timer, ctx) {
        ctx.emit({ key: timer.key, value: String(ctx.state.get(timer.key)) })
      },
    })
    const state = new KeyedState(decodeSnapshot(v1, snapshotChecksum(v1)))
    const task = new Task({
      partition: 0,
      slot: 0,
      job,
      config: {},
      state,
      offsets: new Map([['words', 5n]]),
      sinkTopic: 'out',
      errorPolicy: { kind: 'fail' },
      partitionsOf: () => 1,
    })
    const out: OutgoingRecord[] = []
    const record = (offset: bigint, value: string, timestamp: number) => ({
      topic: 'words',
      partition: 0,
      offset,
      key: null,
      value: Buffer.from(value),
      headers: {},
      timestamp,
    })
    task.process(record(5n, 'apple', 100), out)
    task.process(record(6n, 'pear', 200), out)
    expect(out.map((r) => `${r.key}=${r.value}`)).toEqual(['apple=3'])
    task.beforeSnapshot()
    const v2 = encodeSnapshot(0, state.entries())
    expect(v2.bytes.toString().startsWith('EXACTLY-SNAPSHOT v2\n')).toBe(true)
    expect(decodeSnapshot(v2.bytes, v2.checksum).filter(([k]) => k.startsWith('\u0000t')).length).toBe(1)
  })
})
