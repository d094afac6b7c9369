import type { V1Lease } from '@kubernetes/client-node'
import { pino } from 'pino'
import { describe, expect, it, vi } from 'vitest'
import { LeaderElector, type LeaseApi, mayAcquire } from '../../../../operator/kube/leader-election.ts'
import { T0 } from '../fixtures.ts'

const lease = (holderIdentity: string, renewedAt: number): V1Lease => ({
  metadata: { name: 'exactly-operator', namespace: 'ops' },
  spec: { holderIdentity, leaseDurationSeconds: 15, renewTime: new Date(renewedAt).toISOString() as unknown as Date },
})

describe('mayAcquire()', () => {
  it('takes a lease nobody holds, keeps its own, and waits out another holder’s lease duration', () => {
    expect(mayAcquire(undefined, 'a', T0)).toBe(true)
    expect(mayAcquire(lease('a', T0 - 60_000), 'a', T0)).toBe(true)
    expect(mayAcquire(lease('b', T0 - 15_000), 'a', T0)).toBe(false)
    expect(mayAcquire(lease('b', T0 - 15_001), 'a', T0)).toBe(true)
  })
})

describe('LeaderElector', () => {
  it('leads once it holds the lease, and lets go when it cannot renew within renewDeadline by its clock', async () => {
    let now = T0
    let reachable = true
    let stored: V1Lease | undefined
    const api: LeaseApi = {
      readLease: async () => {
        if (!reachable) throw new Error('connection refused')
        return stored
      },
      createLease: async (l) => {
        stored = l
        return l
      },
      replaceLease: async (l) => {
        stored = l
        return l
      },
    }
    const elector = new LeaderElector({
      api,
      namespace: 'ops',
      name: 'exactly-operator',
      identity: 'operator-0',
      log: pino({ level: 'silent' }),
      clock: { now: () => now },
      timing: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 1 },
    })
    let lost = false
    await elector.run(() => {
      lost = true
    })
    expect(elector.leading).toBe(true)
    expect(stored?.spec).toMatchObject({
      holderIdentity: 'operator-0',
      leaseDurationSeconds: 15,
      renewTime: '2026-11-25T10:00:00.000000Z',
    })

    reachable = false
    now = T0 + 9_000
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(lost).toBe(false)
    now = T0 + 10_001
    await vi.waitFor(() => expect(lost).toBe(true), { timeout: 2000 })
    elector.stop()
    expect(elector.leading).toBe(false)
  })
})
