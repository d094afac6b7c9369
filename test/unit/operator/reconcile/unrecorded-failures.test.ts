import { describe, expect, it } from 'vitest'
import { decide } from '../../../../operator/reconcile/decide.ts'
import { failed, observed, SETTINGS, T0, workerPod } from '../fixtures.ts'
import { after, changed, running } from './decide-fixtures.ts'

describe('decide() and a failure whose count was never recorded', () => {
  // Slot 1's attempt 1 died; the pass that counted it created attempt 2, but its status write was
  // refused (the spec changed meanwhile). Status still says: attempt 1, no restart.
  const { job, pods } = running(2)
  const steady = after(job, decide(observed(job, pods), T0, SETTINGS))
  const seen = [pods[0]!, failed(pods[1]!, 137, T0 + 500), workerPod(1, 2, { phase: 'Pending', ready: false })]

  it('counts it on the next pass, even as that pass starts a layout change', () => {
    expect(steady.status?.restarts ?? 0).toBe(0)
    const next = decide(observed(changed(steady, { parallelism: 3 }), seen), T0 + 1000, SETTINGS)
    expect(next.status?.transition?.kind).toBe('upgrade')
    expect(next.status?.restarts).toBe(1)
    expect(next.status?.lastFailure).toMatchObject({ slot: 1, pod: 'counts-g1-s1-a1', attempt: 1 })
    expect(next.status?.workers?.find((w) => w.slot === 1)?.attempt).toBe(2)
    // And once: the pass after sees status recording attempt 2.
    const again = decide(observed(after(changed(steady, { parallelism: 3 }), next), seen), T0 + 2000, SETTINGS)
    expect(again.status?.restarts).toBe(1)
  })

  it('counts nothing for a replacement status recorded, nor for a disrupted attempt', () => {
    const recorded = decide(observed(steady, seen), T0 + 1000, SETTINGS)
    const once = recorded.status?.restarts ?? 0
    expect(decide(observed(after(steady, recorded), seen), T0 + 2000, SETTINGS).status?.restarts).toBe(once)
    const disrupted = [pods[0]!, { ...failed(pods[1]!, 143, T0 + 500), disrupted: true }, workerPod(1, 2)]
    expect(decide(observed(steady, disrupted), T0 + 1000, SETTINGS).status?.restarts ?? 0).toBe(0)
  })
})
