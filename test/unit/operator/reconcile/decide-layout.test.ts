import { describe, expect, it } from 'vitest'
import type { StreamJob, StreamJobStatus } from '../../../../operator/api/streamjob-types.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import type { Action } from '../../../../operator/reconcile/plan.ts'
import { failed, observed, SETTINGS, T0 } from '../fixtures.ts'
import { after, changed, condition, created, kinds, recoverConfig, recoverPod, running } from './decide-fixtures.ts'

/** The job's status with its upgrade to generation 2 recovering, after `recoverAttempts` recover pods. */
function recoveringStatus(job: StreamJob, recoverAttempts: number): StreamJobStatus {
  return {
    ...job.status,
    transition: {
      kind: 'upgrade',
      toGeneration: 2,
      startedAt: new Date(T0).toISOString(),
      stage: 'Recovering',
      recoverAttempts,
    },
  }
}

describe('decide()', () => {
  describe('a layout change', () => {
    it('asks every worker to stop, runs exactly recover, then starts the next generation from its restore point', () => {
      const { job, pods } = running(2)
      const rescaled = changed(job, { parallelism: 3 })

      const stopping = decide(observed(rescaled, pods), T0, SETTINGS)
      expect(stopping.status?.phase).toBe('Upgrading')
      expect(stopping.status?.transition).toMatchObject({ kind: 'upgrade', toGeneration: 2, stage: 'Stopping' })
      expect(stopping.actions).toEqual<Action[]>([
        { kind: 'stopWorker', pod: 'counts-g1-s0-a1', podIP: '127.0.1.1', generation: 1, slot: 0, attempt: 1 },
        { kind: 'stopWorker', pod: 'counts-g1-s1-a1', podIP: '127.0.1.2', generation: 1, slot: 1, attempt: 1 },
      ])
      expect(created(stopping)).toEqual([])

      const stopped = pods.map((p) => ({ ...p, phase: 'Succeeded' as const, ready: false, exitCode: 0 }))
      const recovering = decide(observed(after(rescaled, stopping), stopped), T0 + 5000, SETTINGS)
      expect(created(recovering)).toEqual(['counts-g1-recover-g2'])
      expect(recoverConfig(recovering)).toMatchObject({ generation: 1, parallelism: 2, nextGeneration: 2 })
      expect(recovering.status?.transition).toMatchObject({ stage: 'Recovering', recoverAttempts: 1 })

      const recover = recoverPod('counts-g1-recover-g2', { phase: 'Succeeded' })
      const done = decide(observed(after(rescaled, recovering), [...stopped, recover]), T0 + 9000, SETTINGS)
      expect(
        done.actions.filter((a) => a.kind === 'deletePod').map((a) => (a.kind === 'deletePod' ? a.name : '')),
      ).toEqual(['counts-g1-s0-a1', 'counts-g1-s1-a1', 'counts-g1-recover-g2'])
      expect(created(done)).toEqual(['counts-g2-s0-a1', 'counts-g2-s1-a1', 'counts-g2-s2-a1'])
      expect(done.status?.current).toMatchObject({ generation: 2, parallelism: 3, running: true })
      expect(done.status?.transition).toBeUndefined()
      expect(done.events.map((e) => e.reason)).toEqual(['GenerationClosed', 'StartingGeneration'])
    })

    it('deletes workers that do not stop within the deadline', () => {
      const { job, pods } = running(1)
      const upgraded = changed(job, { image: 'exactly:v2' })
      const stopping = decide(observed(upgraded, pods), T0, SETTINGS)
      const late = decide(observed(after(upgraded, stopping), pods), T0 + SETTINGS.stopTimeoutMs + 1, SETTINGS)
      expect(late.actions).toEqual([{ kind: 'deletePod', name: 'counts-g1-s0-a1', reason: 'did not stop in time' }])
      expect(late.events.map((e) => e.reason)).toEqual(['StopTimedOut'])
    })

    it('retries a failed recover pod and fails the job after maxRecoverAttempts', () => {
      const { job } = running(1)
      const upgraded = changed(job, { image: 'exactly:v2' })
      let status = recoveringStatus(upgraded, 3)
      const gone = decide(observed({ ...upgraded, status }, []), T0 + 1000, SETTINGS)
      expect(gone.status?.phase).toBe('Failed')
      expect(gone.status?.lastFailure?.reason).toBe('RecoverFailed')
      status = { ...status, transition: { ...status.transition!, recoverAttempts: 1 } }
      const retry = decide(observed({ ...upgraded, status }, []), T0 + 1000, SETTINGS)
      expect(created(retry)).toEqual(['counts-g1-recover-g2'])
    })

    it('retries a failed recover pod only after the restart backoff (Kafka or S3 may be away)', () => {
      const { job } = running(1)
      const upgraded = changed(job, { image: 'exactly:v2' })
      const status = recoveringStatus(upgraded, 1)
      const recover = failed(recoverPod('counts-g1-recover-g2'), 1, T0)
      const early = decide(observed({ ...upgraded, status }, [recover]), T0 + 5000, SETTINGS)
      expect(early.actions).toEqual([])
      expect(early.requeueAfterMs).toBeLessThanOrEqual(5000)
      const due = decide(observed({ ...upgraded, status }, [recover]), T0 + 10_000, SETTINGS)
      expect(due.actions).toEqual([
        { kind: 'deletePod', name: 'counts-g1-recover-g2', reason: 'recover failed; retrying' },
      ])
      expect(due.events.map((e) => e.reason)).toEqual(['RecoverFailed'])
    })

    it('suspends (closing the generation) and resumes from the restore point', () => {
      const { job, pods } = running(1)
      const suspended = changed(job, { state: 'suspended' })
      const stopping = decide(observed(suspended, pods), T0, SETTINGS)
      expect(stopping.status?.phase).toBe('Suspending')
      const status: StreamJobStatus = {
        ...stopping.status,
        transition: { ...stopping.status!.transition!, stage: 'Done' },
      }
      const closed = decide(observed({ ...suspended, status }, []), T0 + 1000, SETTINGS)
      expect(closed.status?.phase).toBe('Suspended')
      expect(closed.status?.current).toMatchObject({ generation: 2, running: false })
      expect(created(closed)).toEqual([])
      expect(condition(closed, 'Ready')).toMatchObject({ status: 'False', reason: 'Suspended' })

      const resumed = decide(
        observed({ ...changed(job, { state: 'running' }), status: closed.status! }, []),
        T0 + 2000,
        SETTINGS,
      )
      expect(created(resumed)).toEqual(['counts-g2-s0-a1'])
      expect(resumed.status?.phase).toBe('Starting')
    })

    it('on deletion closes the generation before letting the StreamJob go', () => {
      const { job, pods } = running(1)
      const deleting = { ...job, metadata: { ...job.metadata, deletionTimestamp: new Date(T0).toISOString() } }
      const stopping = decide(observed(deleting, pods), T0, SETTINGS)
      expect(stopping.status?.phase).toBe('Deleting')
      expect(kinds(stopping)).toEqual(['stopWorker'])
      const status: StreamJobStatus = {
        ...stopping.status,
        transition: { ...stopping.status!.transition!, stage: 'Done' },
      }
      const done = decide(observed({ ...deleting, status }, []), T0 + 1000, SETTINGS)
      expect(kinds(done)).toEqual(['removeFinalizer'])
      const gone = decide(
        observed({ ...deleting, metadata: { ...deleting.metadata, finalizers: [] }, status }, []),
        T0,
        SETTINGS,
      )
      expect(gone).toEqual({ actions: [], status: undefined, events: [], requeueAfterMs: undefined })
    })
  })
})
