import assert from 'node:assert/strict'
import { test } from 'node:test'
import { expectSameOutputUnderCrashes, JobHarness } from 'exactly/testing'
import job from '../src/job.ts'

const HOUR = 3_600_000
const at = (key: string, hours: number) => ({ key, value: 'x', timestamp: Date.UTC(2026, 0, 1) + hours * HOUR })

test('counts per key and window, committed at checkpoints', () => {
  const h = new JobHarness(job, { config: { window: '1h' } })
  h.send(at('a', 0), at('a', 0.5), at('a', 1.2), at('b', 0.1)).run()
  assert.deepEqual(h.output(), [], 'nothing is visible before a checkpoint')
  h.checkpoint()
  assert.deepEqual(
    h.output().map((r) => `${r.key}=${r.value}`),
    [
      'a@2026-01-01T00:00:00.000Z=1',
      'a@2026-01-01T00:00:00.000Z=2',
      'a@2026-01-01T01:00:00.000Z=1',
      'b@2026-01-01T00:00:00.000Z=1',
    ],
  )
})

test('gives the same output with a crash after any record', () => {
  const records = Array.from({ length: 12 }, (_, i) => at(i % 3 === 0 ? 'a' : 'b', i * 0.4))
  const out = expectSameOutputUnderCrashes(job, records, { config: { window: '2h' }, checkpointEvery: 4 })
  assert.equal(out.length, 12)
})
