import type { V1Pod } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { isTerminated, observePod } from '../../../../operator/reconcile/observed.ts'
import { T0, workerPod } from '../fixtures.ts'

const labels = {
  'app.kubernetes.io/component': 'worker',
  'exactly.dev/job': 'counts',
  'exactly.dev/generation': '2',
  'exactly.dev/slot': '1',
  'exactly.dev/attempt': '3',
}

describe('observePod()', () => {
  it('reads a failed worker: ids from labels, exit code, reason and times from its container', () => {
    const pod: V1Pod = {
      metadata: { name: 'counts-g2-s1-a3', labels, deletionTimestamp: new Date(T0) },
      status: {
        phase: 'Failed',
        podIP: '10.0.0.7',
        startTime: new Date(T0 - 60_000),
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            name: 'worker',
            image: 'exactly:dev',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: new Date(T0) } },
          },
        ],
      },
    }
    expect(observePod(pod)).toEqual({
      name: 'counts-g2-s1-a3',
      role: 'worker',
      generation: 2,
      slot: 1,
      attempt: 3,
      phase: 'Failed',
      ready: false,
      deleting: true,
      podIP: '10.0.0.7',
      exitCode: 137,
      terminationReason: 'OOMKilled',
      finishedAt: T0,
      startedAt: T0 - 60_000,
      disrupted: false,
    })
  })

  it('reads a pod with no status yet as Pending and not ready', () => {
    const observed = observePod({ metadata: { name: 'p', labels } })
    expect(observed).toMatchObject({ phase: 'Pending', ready: false, deleting: false, startedAt: undefined })
  })

  it('passes over pods without our role or generation labels', () => {
    expect(observePod({ metadata: { name: 'p', labels: { ...labels, 'app.kubernetes.io/component': 'x' } } })).toBe(
      undefined,
    )
    expect(observePod({ metadata: { name: 'p', labels: { ...labels, 'exactly.dev/generation': 'two' } } })).toBe(
      undefined,
    )
  })
})

describe('isTerminated()', () => {
  it('is true for Succeeded and Failed only', () => {
    expect(isTerminated(workerPod(0, 1, { phase: 'Succeeded' }))).toBe(true)
    expect(isTerminated(workerPod(0, 1, { phase: 'Failed' }))).toBe(true)
    expect(isTerminated(workerPod(0, 1, { phase: 'Running' }))).toBe(false)
    expect(isTerminated(workerPod(0, 1, { phase: 'Unknown' }))).toBe(false)
  })
})
