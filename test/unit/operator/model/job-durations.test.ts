import { describe, expect, it } from 'vitest'
import { jobDurations } from '../../../../operator/model/job-durations.ts'
import { streamJob } from '../fixtures.ts'

describe('jobDurations()', () => {
  it('parses every duration of the spec into milliseconds', () => {
    expect(jobDurations(streamJob().spec)).toEqual({
      checkpointIntervalMs: 10_000,
      checkpointTimeoutMs: 120_000,
      transactionTimeoutMs: 900_000,
      backoffInitialMs: 10_000,
      backoffMaxMs: 300_000,
      restartResetAfterMs: 600_000,
    })
  })

  it('reads combined units and milliseconds as a Kubernetes user writes them', () => {
    const base = streamJob().spec
    const spec = {
      ...base,
      checkpoint: { ...base.checkpoint, interval: '500ms', timeout: '1m30s' },
      restartPolicy: { maxRestarts: 3, resetAfter: '30s', backoff: { initial: '250ms', max: '1h' } },
    }
    expect(jobDurations(spec)).toMatchObject({
      checkpointIntervalMs: 500,
      checkpointTimeoutMs: 90_000,
      backoffInitialMs: 250,
      backoffMaxMs: 3_600_000,
    })
  })

  it('refuses a malformed duration, naming the field', () => {
    const base = streamJob().spec
    const spec = {
      ...base,
      restartPolicy: { maxRestarts: 3, resetAfter: '10m', backoff: { initial: '10s', max: 'forever' } },
    }
    expect(() => jobDurations(spec)).toThrow(RangeError)
    expect(() => jobDurations(spec)).toThrow(/spec\.restartPolicy\.backoff\.max "forever"/)
  })
})
