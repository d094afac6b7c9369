import { describe, expect, it } from 'vitest'
import { asJob, defineJob } from '../../../../runtime/api/define-job.ts'

describe('defineJob()', () => {
  it('returns a frozen job that asJob() accepts', () => {
    const job = defineJob({ process() {} })
    expect(Object.isFrozen(job)).toBe(true)
    expect(asJob(job, 'job.ts')).toBe(job)
  })

  it('rejects a definition without a process function, saying what it expects', () => {
    expect(() => defineJob({ process: 'nope' } as never)).toThrow('"process" must be a function (record, ctx) => void')
    expect(() => defineJob(null as never)).toThrow(/expects an object/)
  })

  it('asJob() explains how to fix a module whose default export is not a job', () => {
    expect(() => asJob({ process() {} }, '/app/jobs/x.ts')).toThrow(
      /Cannot load job module "\/app\/jobs\/x.ts": its default export must be defineJob/,
    )
  })
})
