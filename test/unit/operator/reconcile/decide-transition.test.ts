import { describe, expect, it } from 'vitest'
import type { LayoutTransition, RuntimeLayout } from '../../../../operator/api/streamjob-types.ts'
import { jobDurations } from '../../../../operator/model/job-durations.ts'
import { podConfig } from '../../../../operator/model/worker-pod.ts'
import {
  decideTransition,
  jobKey,
  leftoverPods,
  startTransition,
  type TransitionSettings,
} from '../../../../operator/reconcile/decide-transition.ts'
import { Draft } from '../../../../operator/reconcile/draft.ts'
import type { ObservedPod } from '../../../../operator/reconcile/observed.ts'
import type { Plan } from '../../../../operator/reconcile/plan.ts'
import { failed, observed, streamJob, T0, workerPod } from '../fixtures.ts'

const job = streamJob()
const durations = jobDurations(job.spec)
const settings: TransitionSettings = {
  stopTimeoutMs: 180_000,
  maxRecoverAttempts: 3,
  pollMs: 1000,
  durations,
  pod: { revision: 'r2', terminationGracePeriodSeconds: 150, durations },
}
const current: RuntimeLayout = { generation: 1, parallelism: 2, revision: 'r1', running: true }
const stopping: LayoutTransition = {
  kind: 'upgrade',
  toGeneration: 2,
  startedAt: new Date(T0).toISOString(),
  stage: 'Stopping',
  recoverAttempts: 0,
}
const recovering: LayoutTransition = { ...stopping, stage: 'Recovering', recoverAttempts: 1 }
const recoverPod = (over: Partial<ObservedPod> = {}): ObservedPod => ({
  ...workerPod(0, 1),
  name: 'counts-g1-recover-g2',
  role: 'recover',
  slot: undefined,
  attempt: undefined,
  phase: 'Pending',
  ready: false,
  ...over,
})

function step(pods: ObservedPod[], transition: LayoutTransition, now = T0 + 1000) {
  const draft = new Draft({})
  const result = decideTransition(observed(job, pods), current, transition, settings, now, draft)
  return { ...result, plan: draft.plan() }
}
const recoverConfig = (plan: Plan) => {
  const create = plan.actions.find((a) => a.kind === 'createPod')
  return JSON.parse((create?.kind === 'createPod' ? podConfig(create.pod) : undefined) ?? '{}')
}

describe('startTransition()', () => {
  it('opens the next generation at the Stopping stage and says why in an Event', () => {
    const draft = new Draft({})
    const transition = startTransition('suspend', current, T0, draft)
    expect(transition).toEqual({
      kind: 'suspend',
      toGeneration: 2,
      startedAt: new Date(T0).toISOString(),
      stage: 'Stopping',
      recoverAttempts: 0,
    })
    expect(draft.events).toEqual([
      {
        type: 'Normal',
        reason: 'StoppingGeneration',
        message: 'Stopping generation 1 with a final checkpoint: spec.state is suspended',
      },
    ])
  })

  it('carries restoreFrom, stateless and the savepoint name, and records no Event for generation 0', () => {
    const draft = new Draft({})
    const zero = { ...current, generation: 0, parallelism: 0 }
    const transition = startTransition('upgrade', zero, T0, draft, { restoreFrom: 'sp-1', stateless: true })
    expect(transition).toMatchObject({ toGeneration: 1, restoreFrom: 'sp-1', stateless: true })
    expect(transition).not.toHaveProperty('savepoint')
    expect(draft.events).toEqual([])
  })
})

describe('decideTransition()', () => {
  it('asks running workers to stop and deletes those that never started, then looks again', () => {
    const pods = [
      workerPod(0, 1),
      workerPod(1, 1, { phase: 'Pending', ready: false, podIP: undefined }),
      workerPod(1, 2, { deleting: true }),
    ]
    const { transition, failed: gaveUp, plan } = step(pods, stopping)
    expect(transition).toEqual(stopping)
    expect(gaveUp).toBeUndefined()
    expect(plan.actions).toEqual([
      { kind: 'stopWorker', pod: 'counts-g1-s0-a1', podIP: '127.0.1.1', generation: 1, slot: 0, attempt: 1 },
      { kind: 'deletePod', name: 'counts-g1-s1-a1', reason: 'not running' },
    ])
    expect(plan.requeueAfterMs).toBe(1000)
  })

  it('deletes workers still running past stopTimeout, with a Warning', () => {
    const { plan } = step([workerPod(0, 1)], stopping, T0 + 180_001)
    expect(plan.actions).toEqual([{ kind: 'deletePod', name: 'counts-g1-s0-a1', reason: 'did not stop in time' }])
    expect(plan.events).toEqual([
      {
        type: 'Warning',
        reason: 'StopTimedOut',
        message:
          'Workers of generation 1 did not stop within 180s: deleting them; exactly recover will close their transactions',
      },
    ])
  })

  it('goes on to Recovering in the same pass once every worker has exited, starting exactly recover', () => {
    const exited = [failed(workerPod(0, 1), 1, T0), { ...workerPod(1, 1), phase: 'Succeeded' as const }]
    const { transition, plan } = step([...exited, workerPod(0, 1, { generation: 2 })], stopping)
    expect(transition).toEqual({ ...stopping, stage: 'Recovering', recoverAttempts: 1 })
    expect(plan.actions.map((a) => (a.kind === 'createPod' ? a.pod.metadata?.name : a.kind))).toEqual([
      'counts-g1-recover-g2',
    ])
    expect(recoverConfig(plan)).toMatchObject({
      generation: 1,
      parallelism: 2,
      nextGeneration: 2,
      reason: 'upgrade of team/counts',
      restore: { kind: 'heads' },
    })
  })

  it('tells exactly recover where the next generation restores from', () => {
    const fromSavepoint = step([], { ...stopping, restoreFrom: 'sp-7', savepoint: 'sp-g1-x' })
    expect(recoverConfig(fromSavepoint.plan)).toMatchObject({
      restore: { kind: 'savepoint', name: 'sp-7' },
      savepoint: 'sp-g1-x',
    })
    expect(recoverConfig(step([], { ...stopping, stateless: true }).plan)).toMatchObject({
      restore: { kind: 'stateless' },
    })
  })

  it('is Done when the recover pod succeeded', () => {
    const { transition, plan } = step([recoverPod({ phase: 'Succeeded' })], recovering)
    expect(transition).toEqual({ ...recovering, stage: 'Done' })
    expect(plan.actions).toEqual([])
    expect(plan.events.map((e) => e.reason)).toEqual(['GenerationClosed'])
  })

  it('waits while the recover pod runs, or while a failed one is being deleted', () => {
    for (const pod of [recoverPod(), failed(recoverPod({ deleting: true }), 1, T0)]) {
      const { transition, plan } = step([pod], recovering)
      expect(transition).toEqual(recovering)
      expect(plan.actions).toEqual([])
      expect(plan.requeueAfterMs).toBe(1000)
    }
  })

  it('retries a failed recover pod after the restart backoff for its attempt', () => {
    const broken = failed(recoverPod(), 1, T0)
    // Third attempt: 10 s doubled twice, so due at 40 s; the earliest requeue wins.
    const early = step([broken], { ...recovering, recoverAttempts: 3 }, T0 + 39_999)
    expect(early.plan.actions).toEqual([])
    expect(early.plan.requeueAfterMs).toBe(1)
    const due = step([broken], { ...recovering, recoverAttempts: 3 }, T0 + 40_000)
    expect(due.plan.actions).toEqual([
      { kind: 'deletePod', name: 'counts-g1-recover-g2', reason: 'recover failed; retrying' },
    ])
    expect(due.plan.events.map((e) => e.message)).toEqual(['counts-g1-recover-g2 failed (exit code 1); attempt 3 of 3'])
  })

  it('gives up when the recover pod is gone after maxRecoverAttempts', () => {
    const { transition, failed: gaveUp, plan } = step([], { ...recovering, recoverAttempts: 3 })
    expect(transition).toEqual({ ...recovering, recoverAttempts: 3 })
    expect(gaveUp).toMatch(/^exactly recover failed 3 times for generation 1; /)
    expect(plan.actions).toEqual([])
  })

  it('leaves a Done transition as it is', () => {
    const done: LayoutTransition = { ...recovering, stage: 'Done' }
    const { transition, plan } = step([workerPod(0, 1)], done)
    expect(transition).toBe(done)
    expect(plan.actions).toEqual([])
    expect(plan.requeueAfterMs).toBeUndefined()
  })
})

describe('leftoverPods()', () => {
  it('names pods of other generations and recover pods, skipping those already being deleted', () => {
    const pods = [
      workerPod(0, 1),
      workerPod(0, 1, { generation: 2 }),
      workerPod(1, 1, { generation: 0, deleting: true }),
      recoverPod(),
    ]
    expect(leftoverPods(observed(job, pods), 2)).toEqual(['counts-g1-s0-a1', 'counts-g1-recover-g2'])
    expect(leftoverPods(observed(job, pods), -1)).toEqual([
      'counts-g1-s0-a1',
      'counts-g2-s0-a1',
      'counts-g1-recover-g2',
    ])
  })
})

describe('jobKey()', () => {
  it('is namespace/name', () => {
    expect(jobKey(job)).toBe('team/counts')
  })
})
