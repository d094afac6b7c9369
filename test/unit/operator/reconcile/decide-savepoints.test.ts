import { describe, expect, it } from 'vitest'
import type { StreamJob } from '../../../../operator/api/streamjob-types.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import type { ObservedPod } from '../../../../operator/reconcile/observed.ts'
import type { Plan } from '../../../../operator/reconcile/plan.ts'
import { observed, SETTINGS, streamJob, T0, workerPod } from '../fixtures.ts'
import { after, created, recoverConfig, recoverPod, running } from './decide-fixtures.ts'

describe('decide()', () => {
  describe('savepoints and restoreFrom', () => {
    const recoverDone = (job: StreamJob, plan: Plan, name: string): [StreamJob, ObservedPod[]] => [
      after(job, plan),
      [recoverPod(name, { phase: 'Succeeded' })],
    ]

    it('a new savepointTrigger closes the generation into a named savepoint, listed in status once', () => {
      const { job, pods } = running(1)
      const asked = { ...job, spec: { ...job.spec, savepointTrigger: 'nightly 1' } }
      const stopping = decide(observed(asked, pods), T0, SETTINGS)
      expect(stopping.status?.transition).toMatchObject({ kind: 'savepoint', savepoint: 'sp-g1-nightly-1' })
      const stopped = pods.map((p) => ({ ...p, phase: 'Succeeded' as const, ready: false }))
      const recovering = decide(observed(after(asked, stopping), stopped), T0 + 1000, SETTINGS)
      expect(recoverConfig(recovering)).toMatchObject({ savepoint: 'sp-g1-nightly-1', restore: { kind: 'heads' } })
      const [job2, recover] = recoverDone(asked, recovering, 'counts-g1-recover-g2')
      const done = decide(observed(job2, [...stopped, ...recover]), T0 + 2000, SETTINGS)
      expect(done.status?.savepoints).toEqual([
        {
          name: 'sp-g1-nightly-1',
          trigger: 'nightly 1',
          completedAt: new Date(T0 + 2000).toISOString(),
          uri: 's3://bucket/jobs/team/counts/uid-1/savepoints/sp-g1-nightly-1/',
        },
      ])
      expect(created(done)).toEqual(['counts-g2-s0-a1'])
      const again = decide(
        observed(after(job2, done), [workerPod(0, 1, { generation: 2, name: 'counts-g2-s0-a1' })]),
        T0 + 3000,
        SETTINGS,
      )
      expect(again.status?.transition).toBeUndefined()
    })

    it("restoreFrom a savepoint URI (another job's) has the recover pod copy it from there", () => {
      const uri = 's3://other-bucket/prod/team-b/orders/6f1c/savepoints/sp-g2-x'
      const job = streamJob({ parallelism: 1, restoreFrom: uri })
      const first = decide(observed(job, []), T0, SETTINGS)
      expect(recoverConfig(first)).toMatchObject({ restore: { kind: 'savepointUri', uri: `${uri}/` } })
      const [job2, recover] = recoverDone(job, first, 'counts-g0-recover-g1')
      const done = decide(observed(job2, recover), T0 + 1000, SETTINGS)
      expect(done.status?.current).toMatchObject({ generation: 1, restoredFrom: uri })
    })

    it('keeps spec.savepointHistory.maxCount: the recover pod deletes the oldest, and status drops them', () => {
      const { job, pods } = running(1)
      const listed = ['sp-g1-a', 'sp-g1-b', 'sp-g1-c'].map((name, i) => ({ name, trigger: String(i) }))
      const asked = {
        ...job,
        spec: { ...job.spec, savepointTrigger: 'd', savepointHistory: { maxCount: 2 } },
        status: { ...job.status, savepoints: listed },
      }
      const stopping = decide(observed(asked, pods), T0, SETTINGS)
      const stopped = pods.map((p) => ({ ...p, phase: 'Succeeded' as const, ready: false }))
      const recovering = decide(observed(after(asked, stopping), stopped), T0 + 1000, SETTINGS)
      expect(recoverConfig(recovering)).toMatchObject({
        savepoint: 'sp-g1-d',
        disposeSavepoints: ['sp-g1-a', 'sp-g1-b'],
      })
      const [job2, recover] = recoverDone(asked, recovering, 'counts-g1-recover-g2')
      const done = decide(observed(job2, [...stopped, ...recover]), T0 + 2000, SETTINGS)
      expect(done.status?.savepoints?.map((s) => s.name)).toEqual(['sp-g1-c', 'sp-g1-d'])
      expect(done.events.map((e) => e.reason)).toContain('SavepointsDisposed')
    })

    it('a new job with restoreFrom starts generation 1 from the savepoint, once', () => {
      const job = streamJob({ parallelism: 1, restoreFrom: 'sp-g4-nightly' })
      const first = decide(observed(job, []), T0, SETTINGS)
      expect(created(first)).toEqual(['counts-g0-recover-g1'])
      expect(recoverConfig(first)).toMatchObject({
        generation: 0,
        parallelism: 0,
        nextGeneration: 1,
        restore: { kind: 'savepoint', name: 'sp-g4-nightly' },
      })
      const [job2, recover] = recoverDone(job, first, 'counts-g0-recover-g1')
      const done = decide(observed(job2, recover), T0 + 1000, SETTINGS)
      expect(created(done)).toEqual(['counts-g1-s0-a1'])
      expect(done.status?.current).toMatchObject({ generation: 1, running: true, restoredFrom: 'sp-g4-nightly' })
      const steady = decide(observed(after(job2, done), [workerPod(0, 1)]), T0 + 2000, SETTINGS)
      expect(steady.status?.transition).toBeUndefined()
      expect(created(steady)).toEqual([])
    })

    it('upgradeMode stateless starts the next generation with empty state', () => {
      const { job, pods } = running(1)
      const upgraded = { ...job, spec: { ...job.spec, image: 'exactly:v2', upgradeMode: 'stateless' as const } }
      const stopping = decide(observed(upgraded, pods), T0, SETTINGS)
      const stopped = pods.map((p) => ({ ...p, phase: 'Succeeded' as const, ready: false }))
      const recovering = decide(observed(after(upgraded, stopping), stopped), T0 + 1000, SETTINGS)
      expect(recoverConfig(recovering)).toMatchObject({ restore: { kind: 'stateless' } })
    })
  })
})
