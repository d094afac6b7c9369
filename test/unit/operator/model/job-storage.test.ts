import { describe, expect, it } from 'vitest'
import { jobStorage } from '../../../../operator/model/job-storage.ts'
import { streamJob } from '../fixtures.ts'

describe('jobStorage()', () => {
  const job = streamJob()
  const base = 's3://bucket/jobs/team/counts/'

  it('gives a new job a directory of its own, under its uid', () => {
    expect(jobStorage(job)).toEqual({ uidDirectory: true, path: `${base}uid-1/` })
  })

  it('keeps the directory a job that ran before status.storagePath existed has', () => {
    const legacy = { ...job, status: { current: { generation: 2, parallelism: 1, revision: 'r', running: true } } }
    expect(jobStorage(legacy)).toEqual({ uidDirectory: false, path: base })
    expect(jobStorage({ ...legacy, status: { ...legacy.status, storagePath: base } }).uidDirectory).toBe(false)
  })

  it('stays with what status.storagePath recorded', () => {
    const recorded = {
      ...job,
      status: {
        current: { generation: 2, parallelism: 1, revision: 'r', running: true },
        storagePath: `${base}uid-1/`,
      },
    }
    expect(jobStorage(recorded)).toEqual({ uidDirectory: true, path: `${base}uid-1/` })
  })
})
