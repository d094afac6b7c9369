/**
 * The PodDisruptionBudget of a job's workers: ensured with the first worker of a generation (and
 * each replacement), like the NetworkPolicy; and what the scale subresource reads from status.
 */
import { describe, expect, it } from 'vitest'
import { desiredPodDisruptionBudget } from '../../../../operator/model/pod-disruption-budget.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import { observed, SETTINGS, streamJob, T0 } from '../fixtures.ts'
import { kinds } from './decide-fixtures.ts'

describe('the PodDisruptionBudget', () => {
  it('allows one worker of the job away at a time, and a worker that is not ready always', () => {
    const budget = desiredPodDisruptionBudget(streamJob())
    expect(budget.metadata).toMatchObject({ name: 'counts-disruptions-uid-1', namespace: 'team' })
    expect(budget.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'StreamJob', name: 'counts', controller: true })
    expect(budget.spec).toEqual({
      maxUnavailable: 1,
      selector: {
        matchLabels: {
          'app.kubernetes.io/managed-by': 'exactly-operator',
          'exactly.dev/job': 'counts',
          'app.kubernetes.io/component': 'worker',
        },
      },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    })
  })

  it('is ensured before the first pods when the operator makes budgets, and not otherwise', () => {
    const on = decide(observed(streamJob(), []), T0, { ...SETTINGS, podDisruptionBudget: true })
    expect(kinds(on)).toEqual(['ensurePodDisruptionBudget', 'createPod', 'createPod'])
    expect(kinds(decide(observed(streamJob(), []), T0, SETTINGS))).toEqual(['createPod', 'createPod'])
  })

  it('status carries the replicas and the worker selector the scale subresource reads', () => {
    const plan = decide(observed(streamJob({ parallelism: 3 }), []), T0, SETTINGS)
    expect(plan.status).toMatchObject({
      replicas: 3,
      selector:
        'app.kubernetes.io/managed-by=exactly-operator,exactly.dev/job=counts,app.kubernetes.io/component=worker',
    })
  })
})
