import { describe, expect, it } from 'vitest'
import type { StreamJob } from '../../../../operator/api/streamjob-types.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import type { Plan } from '../../../../operator/reconcile/plan.ts'
import { observed, SETTINGS, T0 } from '../fixtures.ts'
import { after, created, recoverConfig, recoverPod, running } from './decide-fixtures.ts'

const deleted = (job: StreamJob): StreamJob => ({
  ...job,
  metadata: { ...job.metadata, deletionTimestamp: new Date(T0).toISOString() },
})
const kinds = (plan: Plan) => plan.actions.map((a) => a.kind)
const closedStatus = (job: StreamJob): StreamJob => ({
  ...job,
  status: {
    ...job.status,
    current: { generation: 2, parallelism: 1, revision: job.status!.current!.revision, running: false },
    storagePath: 's3://bucket/jobs/team/counts/uid-1/',
  },
})

describe('decide() when a StreamJob is deleted', () => {
  it('has the recover pod delete its storage but the savepoints once the generation is closed', () => {
    const { job, pods } = running(1)
    const stopping = decide(observed(deleted(job), pods), T0, SETTINGS)
    const stopped = pods.map((p) => ({ ...p, phase: 'Succeeded' as const, ready: false }))
    const recovering = decide(observed(after(deleted(job), stopping), stopped), T0 + 1000, SETTINGS)
    expect(recoverConfig(recovering)).toMatchObject({ generation: 1, parallelism: 1, deleteStorage: true })
    expect(recoverConfig(recovering).checkpoint.storage).toMatchObject({ prefix: 'jobs', uidDirectory: true })
  })

  it('a suspended job: a recover pod with no slot to close deletes its storage, then the finalizer goes', () => {
    const { job } = running(1)
    const suspended = deleted(closedStatus(job))
    const first = decide(observed(suspended, []), T0, SETTINGS)
    expect(first.status?.transition).toMatchObject({ kind: 'delete', toGeneration: 3 })
    expect(created(first)).toEqual(['counts-g2-recover-g3'])
    expect(recoverConfig(first)).toMatchObject({
      generation: 2,
      parallelism: 0,
      nextGeneration: 3,
      deleteStorage: true,
    })
    const done = decide(
      observed(after(suspended, first), [recoverPod('counts-g2-recover-g3', { phase: 'Succeeded' })]),
      T0 + 1000,
      SETTINGS,
    )
    expect(kinds(done)).toContain('removeFinalizer')
  })

  it('with onJobDelete: retain, a suspended job lets go at once and a running one keeps its storage', () => {
    const { job, pods } = running(1)
    const retain = (j: StreamJob): StreamJob => ({
      ...j,
      spec: {
        ...j.spec,
        checkpoint: { ...j.spec.checkpoint, storage: { ...j.spec.checkpoint.storage, onJobDelete: 'retain' } },
      },
    })
    expect(kinds(decide(observed(deleted(retain(closedStatus(job))), []), T0, SETTINGS))).toEqual(['removeFinalizer'])
    const stopping = decide(observed(deleted(retain(job)), pods), T0, SETTINGS)
    const stopped = pods.map((p) => ({ ...p, phase: 'Succeeded' as const, ready: false }))
    const recovering = decide(observed(after(deleted(retain(job)), stopping), stopped), T0 + 1000, SETTINGS)
    expect(recoverConfig(recovering)).toMatchObject({ deleteStorage: false })
  })

  it('an upgrade under way when the job is deleted ends in a deletion of the storage', () => {
    const { job, pods } = running(1)
    const upgrading = decide(observed({ ...job, spec: { ...job.spec, parallelism: 2 } }, pods), T0, SETTINGS)
    expect(upgrading.status?.transition?.kind).toBe('upgrade')
    const gone = deleted({
      ...job,
      spec: { ...job.spec, parallelism: 2 },
      status: { ...upgrading.status, transition: { ...upgrading.status!.transition!, stage: 'Done' } },
    })
    const next = decide(observed(gone, []), T0 + 1000, SETTINGS)
    expect(kinds(next)).not.toContain('removeFinalizer')
    expect(next.status?.transition).toMatchObject({ kind: 'delete', toGeneration: 3, stage: 'Stopping' })
    expect(next.status?.current).toMatchObject({ generation: 2, running: false })
  })
})
