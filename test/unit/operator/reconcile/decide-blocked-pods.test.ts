/**
 * A job whose pods cannot start (no node can hold them, the image is missing, a Secret is
 * missing) says so in Ready and Degraded, in the scheduler's or the kubelet's words with the fix,
 * with one Warning Event when it starts, instead of staying "Starting" with no reason.
 */
import type { V1Pod } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import type { StreamJob, StreamJobStatus } from '../../../../operator/api/streamjob-types.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import { podBlock } from '../../../../operator/reconcile/observed.ts'
import type { Plan } from '../../../../operator/reconcile/plan.ts'
import { observed, SETTINGS, streamJob, T0, workerPod } from '../fixtures.ts'

const condition = (plan: Plan, type: string) => plan.status?.conditions?.find((c) => c.type === type)
const after = (job: StreamJob, plan: Plan): StreamJob => ({ ...job, status: plan.status as StreamJobStatus })
const INSUFFICIENT = '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available.'

const waiting = (reason: string, message?: string): V1Pod => ({
  status: {
    phase: 'Pending',
    containerStatuses: [
      {
        name: 'worker',
        image: 'exactly:nope',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { waiting: message === undefined ? { reason } : { reason, message } },
      },
    ],
  },
})

describe('podBlock()', () => {
  it('reads an unschedulable pod from its PodScheduled condition, in the scheduler words', () => {
    const pod: V1Pod = {
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: INSUFFICIENT }],
      },
    }
    expect(podBlock(pod)).toEqual({ kind: 'Unschedulable', message: INSUFFICIENT })
  })

  it('reads a missing image and a bad container config from the waiting reason', () => {
    expect(podBlock(waiting('ErrImagePull', 'failed to pull "exactly:nope"'))).toEqual({
      kind: 'ImageUnavailable',
      message: 'ErrImagePull: failed to pull "exactly:nope"',
    })
    expect(podBlock(waiting('ImagePullBackOff'))?.kind).toBe('ImageUnavailable')
    expect(podBlock(waiting('ErrImageNeverPull'))?.kind).toBe('ImageUnavailable')
    expect(podBlock(waiting('CreateContainerConfigError', 'secret "s3" not found'))).toEqual({
      kind: 'ContainerConfigInvalid',
      message: 'CreateContainerConfigError: secret "s3" not found',
    })
  })

  it('does not call a pod that is only starting blocked', () => {
    expect(podBlock(waiting('ContainerCreating'))).toBeUndefined()
    expect(podBlock({ status: { phase: 'Pending' } })).toBeUndefined()
  })
})

describe('decide() with pods that cannot start', () => {
  const blocked = { kind: 'Unschedulable' as const, message: INSUFFICIENT }
  const pending = (over = {}) => [
    workerPod(0, 1, { phase: 'Pending', ready: false, podIP: undefined, blocked, ...over }),
    workerPod(1, 1, { phase: 'Pending', ready: false, podIP: undefined, blocked, ...over }),
  ]

  it('says why in Ready and Degraded, with the fix, and records one Warning Event when it starts', () => {
    const job = streamJob({ parallelism: 2 })
    const created = after(job, decide(observed(job, []), T0, SETTINGS))
    const plan = decide(observed(created, pending()), T0 + 1000, SETTINGS)
    expect(plan.status?.phase).toBe('Starting')
    expect(plan.actions).toEqual([])
    const ready = condition(plan, 'Ready')
    const degraded = condition(plan, 'Degraded')
    expect(ready).toMatchObject({ status: 'False', reason: 'PodUnschedulable' })
    expect(degraded).toMatchObject({ status: 'True', reason: 'PodUnschedulable' })
    expect(degraded?.message).toBe(
      `Pod counts-g1-s0-a1 cannot start: ${INSUFFICIENT} (1 more pod(s) of this job are blocked too). ` +
        'Lower spec.resources.requests to what a node can hold, or add capacity (or relax spec.podTemplate ' +
        'scheduling constraints); the pod starts as soon as it fits',
    )
    expect(plan.events).toEqual([{ type: 'Warning', reason: 'PodUnschedulable', message: degraded?.message }])

    const again = decide(observed(after(created, plan), pending()), T0 + 2000, SETTINGS)
    expect(condition(again, 'Degraded')?.reason).toBe('PodUnschedulable')
    expect(again.events).toEqual([])
  })

  it('clears Degraded once the pods start', () => {
    const job = streamJob({ parallelism: 2 })
    const created = after(job, decide(observed(job, []), T0, SETTINGS))
    const stuck = after(created, decide(observed(created, pending()), T0 + 1000, SETTINGS))
    const plan = decide(observed(stuck, pending({ blocked: undefined })), T0 + 2000, SETTINGS)
    expect(condition(plan, 'Degraded')).toMatchObject({ status: 'False', reason: 'NoFailures' })
    expect(condition(plan, 'Ready')?.reason).toBe('Starting')
  })
})
