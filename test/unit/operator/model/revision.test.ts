import { describe, expect, it } from 'vitest'
import { specRevision } from '../../../../operator/model/revision.ts'
import { streamJob } from '../fixtures.ts'

describe('specRevision()', () => {
  it('changes with the layout, not with state or restart policy, whatever the key order', () => {
    const job = streamJob()
    expect(
      specRevision({
        ...job.spec,
        state: 'suspended',
        restartPolicy: { maxRestarts: 9, resetAfter: '1m', backoff: { initial: '1s', max: '1m' } },
      }),
    ).toBe(specRevision(job.spec))
    expect(specRevision({ ...job.spec, parallelism: 3 })).not.toBe(specRevision(job.spec))
    const reordered = Object.fromEntries(Object.entries(job.spec).reverse()) as typeof job.spec
    expect(specRevision(reordered)).toBe(specRevision(job.spec))
  })

  it('ignores savepointTrigger and restoreFrom, and sees a change deep in the checkpoint settings', () => {
    const { spec } = streamJob()
    expect(specRevision({ ...spec, savepointTrigger: 'nightly', restoreFrom: 'sp-1' })).toBe(specRevision(spec))
    expect(specRevision({ ...spec, checkpoint: { ...spec.checkpoint, interval: '20s' } })).not.toBe(specRevision(spec))
    expect(specRevision(spec)).toMatch(/^[0-9a-f]{16}$/)
  })
})
