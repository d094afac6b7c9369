import { describe, expect, it } from 'vitest'
import type { StreamJob, StreamJobStatus } from '../../../../operator/api/streamjob-types.ts'
import { jobDurations } from '../../../../operator/model/job-durations.ts'
import { decideSlots, type SlotSettings } from '../../../../operator/reconcile/decide-slots.ts'
import { Draft } from '../../../../operator/reconcile/draft.ts'
import type { ObservedPod } from '../../../../operator/reconcile/observed.ts'
import { failed, observed, report, streamJob, T0, workerPod } from '../fixtures.ts'
import { created } from './decide-fixtures.ts'

const durations = jobDurations(streamJob().spec)
const settings: SlotSettings = {
  notReadyDeadlineMs: 300_000,
  durations,
  pod: { revision: 'r1', terminationGracePeriodSeconds: 150, durations },
}

function slots(
  pods: ObservedPod[],
  o: { now?: number; status?: StreamJobStatus; job?: StreamJob; reports?: ReturnType<typeof report>[] } = {},
) {
  const job = o.job ?? streamJob({ parallelism: 1 })
  const draft = new Draft({ ...o.status })
  const outcome = decideSlots(
    observed(job, pods, o.reports),
    { generation: 1, parallelism: job.spec.parallelism },
    settings,
    o.now ?? T0,
    draft,
  )
  // A Draft always holds a status; Plan's may be undefined only for a paused job.
  return { outcome, plan: { ...draft.plan(), status: draft.status } }
}
const worker = (slot: number, attempt: number, failures = 0) => ({ slot, generation: 1, attempt, failures })

describe('decideSlots()', () => {
  it('creates attempt 1 of every slot that never had a pod: starting', () => {
    const { outcome, plan } = slots([], { job: streamJob({ parallelism: 2 }) })
    expect(outcome).toBe('starting')
    expect(created(plan)).toEqual(['counts-g1-s0-a1', 'counts-g1-s1-a1'])
    expect(plan.status.workers).toEqual([
      { slot: 0, generation: 1, attempt: 1, phase: 'Pending', ready: false, failures: 0 },
      { slot: 1, generation: 1, attempt: 1, phase: 'Pending', ready: false, failures: 0 },
    ])
  })

  it('does nothing when every slot has a ready worker, and reports what the workers say', () => {
    const pods = [workerPod(0, 1), workerPod(1, 1)]
    const { outcome, plan } = slots(pods, {
      job: streamJob({ parallelism: 2 }),
      reports: [report(pods[0]!, { lag: 3 }), report(pods[1]!)],
    })
    expect(outcome).toBe('allReady')
    expect(plan.actions).toEqual([])
    expect(plan.status.workers?.[0]).toEqual({
      slot: 0,
      generation: 1,
      attempt: 1,
      pod: 'counts-g1-s0-a1',
      phase: 'Running',
      ready: true,
      lastCheckpoint: {
        id: 4,
        completedAt: new Date(T0).toISOString(),
        durationMs: 40,
        sizeBytes: 100,
        stateBytes: 900,
      },
      lag: 3,
      failures: 0,
    })
  })

  it('waits for a running worker that is not ready until the deadline, then replaces it', () => {
    const slow = [workerPod(0, 1, { ready: false, startedAt: T0 })]
    const waiting = slots(slow, { now: T0 + 60_000 })
    expect(waiting.outcome).toBe('starting')
    expect(waiting.plan.actions).toEqual([])
    expect(waiting.plan.requeueAfterMs).toBe(240_000)

    const late = slots(slow, { now: T0 + 300_001 })
    expect(late.plan.actions).toEqual([
      { kind: 'deletePod', name: 'counts-g1-s0-a1', reason: 'not ready past the deadline' },
    ])
    expect(late.plan.events).toEqual([
      {
        type: 'Warning',
        reason: 'WorkerNotReady',
        message: 'Worker counts-g1-s0-a1 was not ready for 300s: replacing it',
      },
    ])
  })

  it('counts a pending, unknown or deleting pod as starting on attempt 1 and recovering after', () => {
    expect(slots([workerPod(0, 1, { phase: 'Pending', ready: false })]).outcome).toBe('starting')
    expect(slots([workerPod(0, 1, { phase: 'Unknown', ready: false })]).outcome).toBe('starting')
    expect(slots([workerPod(0, 2, { phase: 'Pending', ready: false })]).outcome).toBe('recovering')
    const deleting = slots([failed(workerPod(0, 2, { deleting: true }), 1, T0)])
    expect(deleting.outcome).toBe('recovering')
    expect(deleting.plan.actions).toEqual([])
  })

  it('starts the next attempt at once when a worker stopped cleanly though nobody asked, without counting a restart', () => {
    const stopped = workerPod(0, 1, { phase: 'Succeeded', ready: false, exitCode: 0 })
    const { outcome, plan } = slots([stopped], { now: T0 + 1000 })
    expect(outcome).toBe('recovering')
    expect(created(plan)).toEqual(['counts-g1-s0-a2'])
    // A clean stop committed its last checkpoint: nothing failed, so maxRestarts is not spent.
    expect(plan.status.restarts ?? 0).toBe(0)
    expect(plan.status.lastFailure).toBeUndefined()
    expect(plan.events.map((e) => [e.reason, e.message])).toEqual([
      [
        'WorkerStopped',
        'counts-g1-s0-a1 stopped cleanly though the operator did not ask it to; starting attempt 2 of slot 0 (not counted as a restart)',
      ],
    ])
    expect(plan.status.workers).toEqual([
      // No failure in a row either: the next restart's backoff starts from the beginning.
      { ...worker(0, 2, 0), pod: 'counts-g1-s0-a1', phase: 'Succeeded', ready: false },
    ])
  })

  it('restarts a crashed worker only after its backoff, doubling with failures in a row', () => {
    const crashed = [failed(workerPod(0, 1), 1, T0)]
    const first = slots(crashed, { now: T0 + 9_000 })
    expect(first.outcome).toBe('recovering')
    expect(first.plan.actions).toEqual([])
    expect(first.plan.requeueAfterMs).toBe(1_000)
    expect(created(slots(crashed, { now: T0 + 10_000 }).plan)).toEqual(['counts-g1-s0-a2'])

    // One failure already in a row (status): the wait doubles to 20 s.
    const again = [failed(workerPod(0, 2), 1, T0)]
    const status: StreamJobStatus = { workers: [worker(0, 2, 1)] }
    expect(slots(again, { now: T0 + 15_000, status }).plan.requeueAfterMs).toBe(5_000)
    const due = slots(again, { now: T0 + 20_000, status })
    expect(created(due.plan)).toEqual(['counts-g1-s0-a3'])
    expect(due.plan.status.lastFailure).toMatchObject({ reason: 'WorkerFailed', time: new Date(T0).toISOString() })
    expect(due.plan.status.lastFailure?.message).toBe('counts-g1-s0-a2 failed: exit code 1 (Error)')
    expect(due.plan.status.workers?.[0]).toMatchObject({ attempt: 3, failures: 2 })
  })

  it('fails the job past maxRestarts instead of restarting', () => {
    const { outcome, plan } = slots([failed(workerPod(0, 1), 1, T0)], { now: T0 + 60_000, status: { restarts: 3 } })
    expect(outcome).toBe('failed')
    expect(plan.actions).toEqual([])
    expect(plan.status.restarts).toBe(3)
    expect(plan.status.lastFailure).toMatchObject({ reason: 'RestartLimitExceeded', slot: 0, attempt: 1 })
    expect(plan.status.lastFailure?.message).toBe(
      'counts-g1-s0-a1 failed: exit code 1 (Error); the job restarted 3 times (spec.restartPolicy.maxRestarts is 3)',
    )
  })

  it('fails the job on exit code 2, recording the failure and its Event once', () => {
    const pods = [failed(workerPod(0, 1), 2, T0 + 500)]
    const first = slots(pods, { now: T0 + 60_000 })
    expect(first.outcome).toBe('failed')
    expect(first.plan.actions).toEqual([])
    expect(first.plan.status.lastFailure).toMatchObject({
      time: new Date(T0 + 500).toISOString(),
      pod: 'counts-g1-s0-a1',
      reason: 'WorkerFailedPermanently',
    })
    expect(first.plan.events.map((e) => e.reason)).toEqual(['WorkerFailedPermanently'])
    const second = slots(pods, { now: T0 + 120_000, status: first.plan.status })
    expect(second.outcome).toBe('failed')
    expect(second.plan.events).toEqual([])
    expect(second.plan.status.lastFailure).toEqual(first.plan.status.lastFailure)
  })

  it('replaces a pod that disappeared at once, with the attempt after the one status remembers, and counts nothing', () => {
    const { outcome, plan } = slots([], { now: T0, status: { workers: [worker(0, 2)] } })
    expect(outcome).toBe('recovering')
    expect(created(plan)).toEqual(['counts-g1-s0-a3'])
    expect(plan.status.lastFailure).toBeUndefined()
    expect(plan.status.restarts ?? 0).toBe(0)
  })

  it('ignores what status remembers of another generation', () => {
    const status: StreamJobStatus = { workers: [{ slot: 0, generation: 0, attempt: 5, failures: 4 }] }
    const { outcome, plan } = slots([], { status })
    expect(outcome).toBe('starting')
    expect(created(plan)).toEqual(['counts-g1-s0-a1'])
  })

  it('deletes older attempts that ended, and only those', () => {
    const pods = [
      failed(workerPod(0, 1), 1, T0),
      failed(workerPod(0, 2, { deleting: true }), 1, T0),
      workerPod(0, 3, { phase: 'Running', ready: false }),
      workerPod(0, 4),
    ]
    const { outcome, plan } = slots(pods)
    expect(outcome).toBe('allReady')
    expect(plan.actions).toEqual([{ kind: 'deletePod', name: 'counts-g1-s0-a1', reason: 'replaced' }])
  })

  it('answers the worst slot: failed before recovering before starting before allReady', () => {
    const job = streamJob({ parallelism: 3 })
    const ready = workerPod(0, 1)
    const starting = workerPod(1, 1, { phase: 'Pending', ready: false })
    const recovering = workerPod(2, 2, { phase: 'Pending', ready: false })
    expect(slots([ready, starting, recovering], { job }).outcome).toBe('recovering')
    expect(slots([ready, starting, workerPod(2, 1)], { job }).outcome).toBe('starting')
    expect(slots([ready, starting, failed(workerPod(2, 1), 2, T0)], { job }).outcome).toBe('failed')
  })

  it('keeps the last known checkpoint and lag while the worker does not answer, and resets failures on a checkpoint', () => {
    const pod = workerPod(0, 2)
    const known = {
      ...worker(0, 2, 1),
      lastCheckpoint: { id: 3, completedAt: new Date(T0).toISOString() },
      lag: 12,
    }
    const silent = slots([pod], { status: { workers: [known] } })
    expect(silent.plan.status.workers?.[0]).toMatchObject({ lastCheckpoint: { id: 3 }, lag: 12, failures: 1 })
    const answered = slots([pod], { status: { workers: [known] }, reports: [report(pod)] })
    expect(answered.plan.status.workers?.[0]).toMatchObject({ lastCheckpoint: { id: 4 }, lag: 0, failures: 0 })
  })
})
