import { describe, expect, it } from 'vitest'
import type { NetworkPolicySettings } from '../../../../operator/model/network-policy.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import type { Plan } from '../../../../operator/reconcile/plan.ts'
import { failed, observed, report, SETTINGS, streamJob, T0 } from '../fixtures.ts'
import { after, changed, created, kinds, recoverPod, running } from './decide-fixtures.ts'

const networkPolicy: NetworkPolicySettings = {
  operatorNamespace: 'exactly-system',
  operatorPodLabels: { 'app.kubernetes.io/component': 'operator' },
  metricsFrom: [],
}
const WITH_POLICY = { ...SETTINGS, networkPolicy }

/** The names of the NetworkPolicies the plan ensures, in order. */
const ensured = (plan: Plan) =>
  plan.actions.flatMap((a) => (a.kind === 'ensureNetworkPolicy' ? [a.policy.metadata?.name ?? ''] : []))

describe('decide() and the NetworkPolicy', () => {
  it("ensures the job's policy once, before the first pods of its first generation", () => {
    const plan = decide(observed(streamJob({}, { finalizers: [] }), []), T0, WITH_POLICY)
    expect(kinds(plan)).toEqual(['addFinalizer', 'ensureNetworkPolicy', 'createPod', 'createPod'])
    expect(ensured(plan)).toEqual(['counts-workers-uid-1'])
    const action = plan.actions[1]
    expect(action?.kind === 'ensureNetworkPolicy' && action.policy.metadata?.namespace).toBe('team')
  })

  it('ensures nothing when the operator makes no NetworkPolicy', () => {
    const plan = decide(observed(streamJob(), []), T0, SETTINGS)
    expect(created(plan)).toEqual(['counts-g1-s0-a1', 'counts-g1-s1-a1'])
    expect(ensured(plan)).toEqual([])
  })

  it('asks for nothing while the workers run: no request on a pass that creates no pod', () => {
    const { job, pods } = running()
    const plan = decide(
      observed(
        job,
        pods,
        pods.map((p) => report(p)),
      ),
      T0 + 1000,
      WITH_POLICY,
    )
    expect(plan.actions).toEqual([])
  })

  it('ensures it again with a replacement worker, so a deleted policy comes back', () => {
    const { job, pods } = running()
    const crashed = [pods[0]!, failed(pods[1]!, 1, T0)]
    const plan = decide(observed(job, crashed), T0 + 60_000, WITH_POLICY)
    expect(created(plan)).toEqual(['counts-g1-s1-a2'])
    expect(kinds(plan)).toEqual(['ensureNetworkPolicy', 'createPod'])
  })

  it('ensures it before the first pods of the next generation, not while stopping or recovering', () => {
    const { job, pods } = running(2)
    const rescaled = changed(job, { parallelism: 3 })
    const stopping = decide(observed(rescaled, pods), T0, WITH_POLICY)
    expect(ensured(stopping)).toEqual([])
    const stopped = pods.map((p) => ({ ...p, phase: 'Succeeded' as const, ready: false, exitCode: 0 }))
    const recovering = decide(observed(after(rescaled, stopping), stopped), T0 + 5000, WITH_POLICY)
    // The recover pod serves nothing: the policy does not select it.
    expect(created(recovering)).toEqual(['counts-g1-recover-g2'])
    expect(ensured(recovering)).toEqual([])
    const recover = recoverPod('counts-g1-recover-g2', { phase: 'Succeeded' })
    const done = decide(observed(after(rescaled, recovering), [...stopped, recover]), T0 + 9000, WITH_POLICY)
    expect(kinds(done)).toEqual([
      'deletePod',
      'deletePod',
      'deletePod',
      'ensureNetworkPolicy',
      'createPod',
      'createPod',
      'createPod',
    ])
    expect(created(done)).toEqual(['counts-g2-s0-a1', 'counts-g2-s1-a1', 'counts-g2-s2-a1'])
  })
})
