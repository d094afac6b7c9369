import { describe, expect, it } from 'vitest'
import type { WorkerSavepoint } from '../../../../contract/worker-status.ts'
import type { StreamJob } from '../../../../operator/api/streamjob-types.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import type { ObservedPod } from '../../../../operator/reconcile/observed.ts'
import type { Plan } from '../../../../operator/reconcile/plan.ts'
import { observed, report, reporting, SETTINGS, T0 } from '../fixtures.ts'
import { after, running } from './decide-fixtures.ts'

/** A job of two slots whose last pass found it Running, asked for savepoint "nightly". */
function asked(): { job: StreamJob; pods: ObservedPod[] } {
  const { job, pods } = running(2)
  const steady = after(job, decide(reporting(job, pods), T0 + 1000, SETTINGS))
  expect(steady.status?.phase).toBe('Running')
  return { job: { ...steady, spec: { ...steady.spec, savepointTrigger: 'nightly' } }, pods }
}

/** The pass with each slot reporting its part of the savepoint (undefined: nothing yet). */
const pass = (job: StreamJob, pods: ObservedPod[], parts: Array<WorkerSavepoint | undefined>, at: number) =>
  decide(
    observed(
      job,
      pods,
      pods.map((p, i) => report(p, parts[i] ? { savepoint: parts[i] } : {})),
    ),
    at,
    SETTINGS,
  )

const steps = (plan: Plan) =>
  plan.actions.flatMap((a) => (a.kind === 'savepointStep' ? [{ slot: a.slot, attempt: a.attempt, ...a.step }] : []))
const holding = (remaining = 20_000): WorkerSavepoint => ({
  name: 'sp-g1-nightly',
  state: 'holding',
  checkpointId: 7,
  holdRemainingMs: remaining,
})

describe('decide(): a savepoint while the job runs', () => {
  it('asks every slot to cut and hold, releases them once all hold, and lists it once slot 0 wrote it', () => {
    const { job, pods } = asked()
    const start = pass(job, pods, [], T0 + 2000)
    expect(start.status?.transition).toBeUndefined()
    expect(start.status?.current?.generation).toBe(1)
    expect(start.status?.runningSavepoint).toMatchObject({
      name: 'sp-g1-nightly',
      trigger: 'nightly',
      stage: 'Holding',
    })
    expect(steps(start)).toEqual([
      { slot: 0, attempt: 1, step: 'hold', name: 'sp-g1-nightly' },
      { slot: 1, attempt: 1, step: 'hold', name: 'sp-g1-nightly' },
    ])
    expect(start.events.map((e) => e.reason)).toContain('SavepointStarted')
    expect(start.requeueAfterMs).toBeLessThanOrEqual(250)

    // Slot 1 still cutting: nobody is released, and a slot that took the hold is not asked again.
    const cutting = { ...holding(), state: 'cutting' as const }
    const waiting = pass(after(job, start), pods, [holding(), cutting], T0 + 2300)
    expect(steps(waiting)).toEqual([])
    expect(waiting.status?.runningSavepoint?.stage).toBe('Holding')

    // Both hold, but slot 1's hold is nearly out: releasing now could come after it gave up.
    expect(steps(pass(after(job, waiting), pods, [holding(), holding(4000)], T0 + 2600))).toEqual([])

    const release = pass(after(job, waiting), pods, [holding(), holding()], T0 + 2900)
    expect(steps(release)).toEqual([
      { slot: 0, attempt: 1, step: 'release', name: 'sp-g1-nightly', keep: true, dispose: [] },
      { slot: 1, attempt: 1, step: 'release', name: 'sp-g1-nightly', keep: true, dispose: [] },
    ])
    expect(release.status?.runningSavepoint?.stage).toBe('Writing')

    const released = { ...holding(), state: 'released' as const, holdRemainingMs: undefined }
    const { holdRemainingMs: _, ...releasedPart } = released
    const writing = pass(after(job, release), pods, [releasedPart, releasedPart], T0 + 3200)
    expect(writing.status?.savepoints).toBeUndefined()
    expect(steps(writing)).toEqual([])

    const written = pass(after(job, writing), pods, [{ ...releasedPart, state: 'written' }, releasedPart], T0 + 3500)
    expect(written.status?.runningSavepoint).toBeUndefined()
    expect(written.status?.savepoints).toEqual([
      {
        name: 'sp-g1-nightly',
        trigger: 'nightly',
        completedAt: new Date(T0 + 3500).toISOString(),
        uri: 's3://bucket/jobs/team/counts/uid-1/savepoints/sp-g1-nightly/',
      },
    ])
    expect(written.events.map((e) => e.reason)).toContain('SavepointTaken')
    expect(pass(after(job, written), pods, [], T0 + 4000).status?.runningSavepoint).toBeUndefined()
  })

  it('tells slot 0 which savepoints fall out of spec.savepointHistory', () => {
    const { job, pods } = asked()
    const listed = ['sp-g1-a', 'sp-g1-b'].map((name, i) => ({ name, trigger: String(i) }))
    const withHistory = {
      ...job,
      spec: { ...job.spec, savepointHistory: { maxCount: 2 } },
      status: { ...job.status, savepoints: listed },
    }
    const start = pass(withHistory, pods, [], T0 + 2000)
    const release = pass(after(withHistory, start), pods, [holding(), holding()], T0 + 2500)
    expect(steps(release).map((s) => (s.step === 'release' ? s.dispose : []))).toEqual([['sp-g1-a'], []])
  })

  it('a slot that failed its part abandons it, and the next pass takes the savepoint by stopping the job', () => {
    const { job, pods } = asked()
    const start = pass(job, pods, [], T0 + 2000)
    const failed: WorkerSavepoint = {
      name: 'sp-g1-nightly',
      state: 'failed',
      message: 'Cannot write this slot part: S3 down',
    }
    const abandon = pass(after(job, start), pods, [holding(), failed], T0 + 2500)
    expect(abandon.status?.runningSavepoint).toMatchObject({
      stage: 'Abandoned',
      reason: expect.stringContaining('slot 1'),
    })
    expect(steps(abandon)).toEqual([
      { slot: 0, attempt: 1, step: 'release', name: 'sp-g1-nightly', keep: false, dispose: [] },
      { slot: 1, attempt: 1, step: 'release', name: 'sp-g1-nightly', keep: false, dispose: [] },
    ])
    expect(abandon.events.find((e) => e.reason === 'SavepointAbandoned')?.message).toContain('taking it by stopping')
    const stop = pass(after(job, abandon), pods, [], T0 + 3000)
    expect(stop.status?.transition).toMatchObject({ kind: 'savepoint', savepoint: 'sp-g1-nightly' })
    expect(stop.actions.some((a) => a.kind === 'stopWorker')).toBe(true)
  })

  it('is abandoned when not written within checkpoint.timeout plus a minute', () => {
    const { job, pods } = asked()
    const start = pass(job, pods, [], T0 + 2000)
    const late = pass(after(job, start), pods, [holding(), undefined], T0 + 2000 + 120_000 + 60_001)
    expect(late.status?.runningSavepoint).toMatchObject({
      stage: 'Abandoned',
      reason: expect.stringContaining('not written within'),
    })
  })

  it('a spec change waits for the savepoint under way, then rolls the job as usual', () => {
    const { job, pods } = asked()
    const start = pass(job, pods, [], T0 + 2000)
    const upgraded = { ...after(job, start), spec: { ...job.spec, image: 'my/job:v2' } }
    const waiting = pass(upgraded, pods, [holding(), undefined], T0 + 2500)
    expect(waiting.status?.transition).toBeUndefined()
    expect(steps(waiting)).toEqual([{ slot: 1, attempt: 1, step: 'hold', name: 'sp-g1-nightly' }])
    const release = pass(after(upgraded, waiting), pods, [holding(), holding()], T0 + 3000)
    const written = pass(after(upgraded, release), pods, [{ ...holding(), state: 'written' }, undefined], T0 + 3500)
    expect(written.status?.savepoints?.map((s) => s.name)).toEqual(['sp-g1-nightly'])
    const rolling = pass(after(upgraded, written), pods, [], T0 + 4000)
    expect(rolling.status?.transition).toMatchObject({ kind: 'upgrade' })
    expect(rolling.status?.transition?.savepoint).toBeUndefined()
  })

  it('a trigger that comes with a spec change is taken by the stop that change makes', () => {
    const { job, pods } = asked()
    const both = { ...job, spec: { ...job.spec, image: 'my/job:v2' } }
    const plan = pass(both, pods, [], T0 + 2000)
    expect(plan.status?.transition).toMatchObject({ kind: 'savepoint', savepoint: 'sp-g1-nightly' })
    expect(plan.status?.runningSavepoint).toBeUndefined()
  })

  it('spec.savepointInterval takes one every interval, the first an interval after the job runs with it', () => {
    const { job: withTrigger, pods } = asked()
    const { savepointTrigger: _none, ...spec } = withTrigger.spec
    const job = { ...withTrigger, spec: { ...spec, savepointInterval: '1h' } }
    const first = pass(job, pods, [], T0 + 2000)
    expect(steps(first)).toEqual([])
    expect(first.status?.periodicSavepointAt).toBe(new Date(T0 + 2000).toISOString())
    expect(steps(pass(after(job, first), pods, [], T0 + 2000 + 3_599_999))).toEqual([])
    const at = T0 + 2000 + 3_600_000
    const due = pass(after(job, first), pods, [], at)
    const name = `sp-g1-periodic-${new Date(at).toISOString().replace(/[-:]|\.\d+/g, '')}`
    expect(name).toBe('sp-g1-periodic-20261125T110002Z')
    expect(due.status?.runningSavepoint).toMatchObject({ name, stage: 'Holding' })
    expect(due.status?.runningSavepoint?.trigger).toBeUndefined()
    expect(due.status?.periodicSavepointAt).toBe(new Date(at).toISOString())
    const part = (state: WorkerSavepoint['state']): WorkerSavepoint => ({ name, state, holdRemainingMs: 20_000 })
    const release = pass(after(job, due), pods, [part('holding'), part('holding')], at + 500)
    const written = pass(after(job, release), pods, [part('written'), part('released')], at + 1000)
    expect(written.status?.savepoints).toEqual([
      { name, completedAt: new Date(at + 1000).toISOString(), uri: expect.stringContaining(`/savepoints/${name}/`) },
    ])
    // Not again before another interval.
    expect(steps(pass(after(job, written), pods, [], at + 60_000))).toEqual([])
  })

  it('a periodic savepoint abandoned is not taken by a stop: the next one comes in its turn', () => {
    const { job: withTrigger, pods } = asked()
    const { savepointTrigger: _none, ...spec } = withTrigger.spec
    const job = {
      ...withTrigger,
      spec: { ...spec, savepointInterval: '1h' },
      status: { ...withTrigger.status, periodicSavepointAt: new Date(T0 - 3_600_000).toISOString() },
    }
    const due = pass(job, pods, [], T0 + 2000)
    const name = due.status?.runningSavepoint?.name ?? ''
    const failed: WorkerSavepoint = { name, state: 'failed', message: 'S3 down' }
    const abandon = pass(after(job, due), pods, [failed, undefined], T0 + 2500)
    expect(abandon.events.find((e) => e.reason === 'SavepointAbandoned')?.message).toContain('in its turn')
    // No stop will write it under this name: slot 0 deletes what the slots copied.
    expect(steps(abandon)).toEqual([{ slot: 0, attempt: 1, step: 'release', name, keep: false, dispose: [name] }])
    const next = pass(after(job, abandon), pods, [], T0 + 3000)
    expect(next.status?.transition).toBeUndefined()
    expect(steps(next)).toEqual([])
  })
})
