/**
 * The windowed examples against their independent models, over generated page views with
 * out-of-order and late views, four partitions; and the same output through a crash after every
 * record (pending timers restored from the snapshot, firings replayed identically).
 */
import { describe, expect, it } from 'vitest'
import { expectedDedup } from '../../../examples/dedup/expected.ts'
import dedupJob from '../../../examples/dedup/job.ts'
import { expectedPageViews } from '../../../examples/page-views/expected.ts'
import { generatePageViews } from '../../../examples/page-views/generate.ts'
import pageViewsJob from '../../../examples/page-views/job.ts'
import { expectedSessions } from '../../../examples/user-sessions/expected.ts'
import userSessionsJob from '../../../examples/user-sessions/job.ts'
import { compareOutput, type InputRecord } from '../../../examples/verify-model.ts'
import type { Job } from '../../../runtime/api/define-job.ts'
import { partitionForKey } from '../../../runtime/sink/partitioner.ts'
import { expectSameOutputUnderCrashes, JobHarness } from '../../../runtime/testing/job-harness.ts'

const PARTITIONS = 4

function pageViewInput(count: number, seed: number): InputRecord[] {
  const offsets = new Map<number, number>()
  return generatePageViews(count, { seed }).map(({ key, value, view }) => {
    const partition = partitionForKey(Buffer.from(key), PARTITIONS, 0)
    const offset = offsets.get(partition) ?? 0
    offsets.set(partition, offset + 1)
    return { topic: 'page-views', partition, offset: String(offset), key, value, timestamp: view.time }
  })
}

function runHarness(job: Job, records: readonly InputRecord[]) {
  const h = new JobHarness(job, { sourceTopics: ['page-views'], partitions: PARTITIONS })
  for (const r of records) h.send({ partition: r.partition, key: r.key, value: r.value, timestamp: r.timestamp ?? 0 })
  return h.run().checkpoint()
}

describe('windowed examples agree with their models', () => {
  for (const seed of [1, 2, 3]) {
    it(`page views per URL per minute (seed ${seed}): on-time, late updates and dropped late views`, () => {
      const records = pageViewInput(3000, seed)
      const h = runHarness(pageViewsJob, records)
      const actual = h.output().map((r) => ({ key: r.key, value: r.value }))
      const expected = expectedPageViews(records)
      expect(compareOutput(expected, actual)).toMatchObject({ ok: true })
      // The input is meant to exercise every path: late updates exist, and so do dropped views.
      expect(actual.some((r) => r.value?.includes('"late"'))).toBe(true)
      expect(actual.length).toBeGreaterThan(100)
    })

    it(`user sessions (seed ${seed}): merged sessions emitted when the watermark passes them`, () => {
      const records = pageViewInput(3000, seed)
      const actual = runHarness(userSessionsJob, records)
        .output()
        .map((r) => ({ key: r.key, value: r.value }))
      expect(compareOutput(expectedSessions(records), actual)).toMatchObject({ ok: true })
      expect(actual.some((r) => (JSON.parse(r.value!) as { views: number }).views > 3)).toBe(true)
    })
  }

  it('dedup with a time to live lets a key through again once its copy expired', () => {
    const records: InputRecord[] = [0, 1000, 30 * 60_000, 61 * 60_000, 62 * 60_000, 63 * 60_000].map((t, i) => ({
      topic: 'events',
      partition: 0,
      offset: String(i),
      key: i === 4 ? 'other' : 'id-1',
      value: String(i),
      timestamp: t,
    }))
    const h = new JobHarness(dedupJob, { sourceTopics: ['events'] })
    for (const r of records) h.send({ key: r.key, value: r.value, timestamp: r.timestamp! })
    const actual = h.run().checkpoint().output()
    // id-1 written at 0 expires at 1h; the watermark passes it at 61 min - 1 ms, after the copy at 61 min arrived.
    expect(actual.map((r) => r.value)).toEqual(['0', '4', '5'])
    expect(compareOutput(expectedDedup(records), actual).ok).toBe(true)
  })
})

describe('windowed jobs under crashes', () => {
  it('page views and sessions: the same committed output with a crash after any record', () => {
    const records = pageViewInput(150, 7).map((r) => ({
      partition: r.partition,
      key: r.key,
      value: r.value,
      timestamp: r.timestamp ?? 0,
    }))
    const options = { sourceTopics: ['page-views'], partitions: PARTITIONS, checkpointEvery: 7 }
    expect(expectSameOutputUnderCrashes(pageViewsJob, records, options).length).toBeGreaterThan(10)
    expect(expectSameOutputUnderCrashes(userSessionsJob, records, options).length).toBeGreaterThan(10)
  })
})
