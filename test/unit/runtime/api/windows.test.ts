import { describe, expect, it } from 'vitest'
import { defineJob } from '../../../../runtime/api/define-job.ts'
import { hopping, session, tumbling, windowsOf } from '../../../../runtime/api/windows/assigners.ts'
import { type LatePolicy, windowed } from '../../../../runtime/api/windows/windowed.ts'
import { JobHarness } from '../../../../runtime/testing/job-harness.ts'

const count = (late: LatePolicy = 'drop', allowedLateness = 0, earlyFirings?: number) =>
  defineJob(
    windowed<number>({
      window: tumbling(1000),
      aggregate: { create: () => 0, add: (n) => n + 1 },
      allowedLateness,
      late,
      ...(earlyFirings ? { earlyFirings } : {}),
      result: ({ key, start, value, firing }) => ({ key, value: `${start}:${value}:${firing}` }),
    }),
  )
const at = (timestamp: number, key = 'k') => ({ key, value: '', timestamp })
const values = (h: JobHarness, topic?: string) =>
  h
    .uncommitted()
    .filter((r) => !topic || r.topic === topic)
    .map((r) => r.value)

describe('window assigners', () => {
  it('cut epoch-aligned tumbling and hopping windows, negative times included', () => {
    expect(windowsOf(tumbling(1000), 1999)).toEqual([{ start: 1000, end: 2000 }])
    expect(windowsOf(tumbling(1000), -1)).toEqual([{ start: -1000, end: 0 }])
    expect(windowsOf(tumbling(1000, { offset: 250 }), 1000)).toEqual([{ start: 250, end: 1250 }])
    expect(windowsOf(hopping(3000, 1000), 2500)).toEqual([
      { start: 0, end: 3000 },
      { start: 1000, end: 4000 },
      { start: 2000, end: 5000 },
    ])
    expect(() => hopping('10s', '3s')).toThrow(/must be a multiple of its slide/)
    expect(() => tumbling('0s')).toThrow(/longer than 0/)
  })
})

describe('tumbling windows', () => {
  it('emit once the watermark reaches the last millisecond; a record at exactly the watermark is late', () => {
    const h = new JobHarness(count())
    h.send(at(0), at(999), at(1000)).run()
    // The watermark is 999 after the record at 1000: window [0, 1000) is complete.
    expect(values(h)).toEqual(['0:2:on-time'])
    h.send(at(999)).run()
    expect(h.uncommitted()).toHaveLength(1)
    h.send(at(1000), at(2000)).run()
    expect(values(h)).toEqual(['0:2:on-time', '1000:2:on-time'])
  })

  it('within the allowed lateness a late record updates its window and emits at once; after it, the policy applies', () => {
    const h = new JobHarness(count({ topic: 'late-views' }, 500), { topicPartitions: { 'late-views': 1 } })
    h.send(at(10), at(1200)).run()
    expect(values(h)).toEqual(['0:1:on-time'])
    h.send(at(20)).run()
    expect(values(h)).toEqual(['0:1:on-time', '0:2:late'])
    // 1500 - 1 = 1499 = 999 + 500: window [0, 1000) is gone, the next record for it goes to the side topic.
    h.send(at(1500), at(30)).run()
    expect(values(h, 'late-views')).toHaveLength(1)
    expect(h.state().size).toBe(1)
  })

  it('dropped late records are counted; dead-lettered ones need the dead-letter policy', () => {
    const dropped = new JobHarness(count('drop')).send(at(5000), at(10)).run()
    expect(dropped.uncommitted()).toEqual([])
    const dlq = new JobHarness(count('dead-letter'), { onError: 'dead-letter' }).send(at(5000), at(10)).run()
    expect(dlq.uncommitted()[0]?.headers?.['exactly.error.message']).toMatch(/^late: /)
    expect(() => new JobHarness(count('dead-letter')).send(at(5000), at(10)).run()).toThrow(
      /spec.job.onError is fail; set it to dead-letter/,
    )
  })

  it('early firings emit partial results on the wall clock until the window completes', () => {
    const h = new JobHarness(count('drop', 0, 100), { startTime: 0 })
    h.send(at(10)).run()
    h.advanceProcessingTime(100)
    h.send(at(20)).run()
    h.advanceProcessingTime(100)
    h.send(at(1500)).run()
    h.advanceProcessingTime(100)
    expect(values(h)).toEqual(['0:1:early', '0:2:early', '0:2:on-time', '1000:1:early'])
  })
})

describe('session windows', () => {
  const sessions = defineJob(
    windowed<number>({
      window: session(100),
      time: { maxOutOfOrderness: 100 },
      aggregate: { create: () => 0, add: (n) => n + 1, merge: (a, b) => a + b },
      result: ({ key, start, end, value }) => ({ key, value: `${start}-${end}:${value}` }),
    }),
  )

  it('merge the sessions a record bridges and emit when the watermark passes the end', () => {
    const h = new JobHarness(sessions)
    h.send(at(0, 'a'), at(150, 'a'), at(60, 'a')).run()
    expect(values(h)).toEqual([])
    // The watermark trails by 100 ms: 60 is still on time and bridges [0, 100) and [150, 250).
    h.send(at(300, 'b')).run()
    expect(values(h)).toEqual([])
    h.send(at(400, 'b')).run()
    expect(values(h)).toEqual(['0-250:3'])
    expect([...h.state().keys()]).toEqual(['s\u0001b'])
  })

  it('need merge(), and refuse early firings', () => {
    expect(() => windowed<number>({ window: session(10), aggregate: { create: () => 0, add: (n) => n + 1 } })).toThrow(
      /needs merge\(a, b\)/,
    )
  })
})
