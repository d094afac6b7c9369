/**
 * decide() when a worker answers GET /status with something the operator refuses (too large,
 * not JSON, not a worker status): that worker counts as one that does not answer, the job keeps
 * its slots, and Degraded says which worker and why, with a Warning Event when it starts.
 */
import { describe, expect, it } from 'vitest'
import type { StreamJob, StreamJobStatus } from '../../../../operator/api/streamjob-types.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import type { Observed, ObservedPod } from '../../../../operator/reconcile/observed.ts'
import type { Plan } from '../../../../operator/reconcile/plan.ts'
import { invalidReportMessage } from '../../../../operator/reconcile/status.ts'
import { failed, observed, report, reporting, SETTINGS, streamJob, T0, workerPod } from '../fixtures.ts'

const condition = (plan: Plan, type: string) => plan.status?.conditions?.find((c) => c.type === type)
const after = (job: StreamJob, plan: Plan): StreamJob => ({ ...job, status: plan.status as StreamJobStatus })
const MISSING_ALARMS = 'worker status: alarms: expected array, received undefined'

function running(): { job: StreamJob; pods: ObservedPod[] } {
  const job = streamJob({ parallelism: 2 })
  const pods = [workerPod(0, 1), workerPod(1, 1)]
  const first = decide(observed(job, []), T0, SETTINGS)
  const settled = decide(reporting(after(job, first), pods), T0 + 1000, SETTINGS)
  return { job: after(job, settled), pods }
}

/** Slot 0 answers well; slot 1's answer was refused for `reason`. */
function slotOneRefused(job: StreamJob, pods: ObservedPod[], reason = MISSING_ALARMS): Observed {
  return { ...observed(job, [...pods], [report(pods[0]!)]), invalidReports: new Map([[pods[1]!.name, reason]]) }
}

describe('decide() with a worker whose /status was refused', () => {
  it('keeps its slots: nothing is created or deleted, and the job stays Running', () => {
    const { job, pods } = running()
    const plan = decide(slotOneRefused(job, pods), T0 + 2000, SETTINGS)
    expect(plan.actions).toEqual([])
    expect(plan.status?.phase).toBe('Running')
    expect(plan.status?.workers?.map((w) => [w.slot, w.pod, w.attempt])).toEqual([
      [0, 'counts-g1-s0-a1', 1],
      [1, 'counts-g1-s1-a1', 1],
    ])
  })

  it('treats the worker like one that does not answer: its slot shows the pod and the last known report', () => {
    const { job, pods } = running()
    const plan = decide(slotOneRefused(job, pods), T0 + 2000, SETTINGS)
    // The pod's own state, and the checkpoint and lag the last valid report gave.
    expect(plan.status?.workers?.[1]).toMatchObject({ phase: 'Running', ready: true, lag: 0 })
    expect(plan.status?.workers?.[1]?.lastCheckpoint).toMatchObject({ id: 4 })
    expect(plan.status?.lastCheckpoint?.id).toBe(4)
  })

  it('sets Degraded=True WorkerStatusInvalid naming the pod and the reason, and records one Warning Event', () => {
    const { job, pods } = running()
    const plan = decide(slotOneRefused(job, pods), T0 + 2000, SETTINGS)
    const degraded = condition(plan, 'Degraded')
    expect(degraded).toMatchObject({ status: 'True', reason: 'WorkerStatusInvalid', observedGeneration: 1 })
    expect(degraded?.message).toContain('Worker counts-g1-s1-a1 answered GET /status')
    expect(degraded?.message).toContain(MISSING_ALARMS)
    expect(degraded?.message).toMatch(/build spec\.image FROM the exactly image/)
    expect(condition(plan, 'Ready')).toMatchObject({ status: 'True' })
    expect(plan.events).toEqual([{ type: 'Warning', reason: 'WorkerStatusInvalid', message: degraded?.message }])
  })

  it('records the Event only when the condition first appears, not on every pass', () => {
    const { job, pods } = running()
    const first = decide(slotOneRefused(job, pods), T0 + 2000, SETTINGS)
    const again = decide(slotOneRefused(after(job, first), pods), T0 + 7000, SETTINGS)
    expect(again.events).toEqual([])
    expect(again.status).toEqual(first.status)
  })

  it('clears the condition once the worker sends a valid status again', () => {
    const { job, pods } = running()
    const bad = decide(slotOneRefused(job, pods), T0 + 2000, SETTINGS)
    const good = decide(reporting(after(job, bad), pods), T0 + 7000, SETTINGS)
    expect(condition(good, 'Degraded')).toMatchObject({ status: 'False', reason: 'NoFailures' })
    expect(good.events).toEqual([])
    expect(good.actions).toEqual([])
  })

  it('keeps the condition and the Event bounded, however long the pod name and the reason', () => {
    const { job, pods } = running()
    const long = [pods[0]!, { ...pods[1]!, name: `w${'x'.repeat(252)}` }]
    const plan = decide(slotOneRefused(job, long, `worker status: ${'e'.repeat(100_000)}`), T0 + 2000, SETTINGS)
    const message = condition(plan, 'Degraded')?.message ?? ''
    expect(message.length).toBeLessThanOrEqual(1024)
    expect(message).toContain(`w${'x'.repeat(252)}`)
    expect(message).toContain('…')
    expect(plan.events[0]?.message.length).toBeLessThanOrEqual(1024)
  })

  it('names the first refused worker by slot and counts the others', () => {
    const { job, pods } = running()
    const plan = decide(
      {
        ...observed(job, pods),
        invalidReports: new Map([
          [pods[1]!.name, 'worker status is not JSON'],
          [pods[0]!.name, MISSING_ALARMS],
        ]),
      },
      T0 + 2000,
      SETTINGS,
    )
    const message = condition(plan, 'Degraded')?.message ?? ''
    expect(message).toMatch(/^Worker counts-g1-s0-a1 answered .*alarms: expected array.*; so do 1 more worker\(s\)/)
    expect(plan.actions).toEqual([])
  })

  it('lets a restarting slot speak first: Degraded stays WorkerFailed while the job recovers', () => {
    const { job, pods } = running()
    const crashed = [failed(pods[0]!, 1, T0 + 1500), pods[1]!]
    const plan = decide(
      { ...observed(job, crashed), invalidReports: new Map([[pods[1]!.name, MISSING_ALARMS]]) },
      T0 + 2000,
      SETTINGS,
    )
    expect(plan.status?.phase).toBe('Recovering')
    expect(condition(plan, 'Degraded')).toMatchObject({ status: 'True', reason: 'WorkerFailed' })
    expect(plan.events.map((e) => e.reason)).not.toContain('WorkerStatusInvalid')
  })

  it('ignores refused answers of pods outside the running generation', () => {
    const { job, pods } = running()
    const old = workerPod(0, 1, { generation: 0, name: 'counts-g0-s0-a1' })
    const plan = decide(
      {
        ...observed(
          job,
          [...pods, old],
          pods.map((p) => report(p)),
        ),
        invalidReports: new Map([[old.name, MISSING_ALARMS]]),
      },
      T0 + 2000,
      SETTINGS,
    )
    expect(condition(plan, 'Degraded')).toMatchObject({ status: 'False', reason: 'NoFailures' })
    expect(plan.events).toEqual([])
  })

  it('leaves other jobs alone: a job whose workers answer well decides as before', () => {
    const { job, pods } = running()
    const other = { ...job, metadata: { ...job.metadata, name: 'other', uid: 'uid-2' } }
    const plan = decide(reporting(other, pods), T0 + 2000, SETTINGS)
    expect(condition(plan, 'Degraded')).toMatchObject({ status: 'False', reason: 'NoFailures' })
    expect(plan.events).toEqual([])
    expect(plan.actions).toEqual([])
  })
})

describe('invalidReportMessage()', () => {
  it('says every worker answers well when none was refused', () => {
    expect(invalidReportMessage([])).toBe('Every worker answers GET /status with a usable status')
  })
})
