/**
 * A spec.job.config too large for a pod to carry fails the job before any pod exists, saying
 * which field, its size and the fix; a corrected spec starts the usual upgrade.
 */
import { describe, expect, it } from 'vitest'
import type { StreamJob, StreamJobStatus } from '../../../../operator/api/streamjob-types.ts'
import { JOB_CONFIG_MAX_BYTES } from '../../../../operator/model/worker-pod.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import type { Plan } from '../../../../operator/reconcile/plan.ts'
import { observed, SETTINGS, streamJob, T0 } from '../fixtures.ts'

const after = (job: StreamJob, plan: Plan): StreamJob => ({ ...job, status: plan.status as StreamJobStatus })
const condition = (plan: Plan, type: string) => plan.status?.conditions?.find((c) => c.type === type)
const huge = { table: 'x'.repeat(JOB_CONFIG_MAX_BYTES + 1) }

describe('decide() with a job.config too large for a pod', () => {
  it('creates no pod, goes Failed with InvalidSpec naming the field, its size and the fix, and says it once', () => {
    const job = streamJob({ job: { module: '/app/job.ts', config: huge, onError: 'fail' } })
    const plan = decide(observed(job, []), T0, SETTINGS)
    expect(plan.actions.filter((a) => a.kind === 'createPod')).toEqual([])
    expect(plan.status?.phase).toBe('Failed')
    const degraded = condition(plan, 'Degraded')
    expect(degraded).toMatchObject({ status: 'True', reason: 'InvalidSpec' })
    expect(degraded?.message).toBe(
      'spec.job.config is 201 KiB as JSON, more than the 200 KiB a pod can carry (it reaches each worker in a pod ' +
        'annotation, mounted as a file). Keep large data (lookup tables, models) in a ConfigMap, a Secret or object ' +
        'storage, and put its name in spec.job.config',
    )
    expect(plan.events.filter((e) => e.reason === 'InvalidSpec')).toHaveLength(1)

    const again = decide(observed(after(job, plan), []), T0 + 1000, SETTINGS)
    expect(again.events).toEqual([])
    expect(again.status?.lastFailure).toEqual(plan.status?.lastFailure)
  })

  it('starts the usual upgrade once the config is corrected', () => {
    const job = streamJob({ job: { module: '/app/job.ts', config: huge, onError: 'fail' } })
    const failed = after(job, decide(observed(job, []), T0, SETTINGS))
    const fixed = {
      ...failed,
      spec: { ...failed.spec, job: { module: '/app/job.ts', config: { table: 'in S3' }, onError: 'fail' as const } },
    }
    const plan = decide(observed(fixed, []), T0 + 1000, SETTINGS)
    expect(plan.status?.phase).toBe('Upgrading')
    expect(plan.status?.transition).toMatchObject({ kind: 'upgrade', toGeneration: 2 })
  })
})
