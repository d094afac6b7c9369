import { describe, expect, it } from 'vitest'
import { Draft } from '../../../../operator/reconcile/draft.ts'
import { resetRestartsWhenStable, restartBackoffMs } from '../../../../operator/reconcile/restart-policy.ts'

describe('restartBackoffMs()', () => {
  it('waits the initial delay after the first failure, doubling with each one in a row', () => {
    expect([1, 2, 3, 4].map((n) => restartBackoffMs(n, 10_000, 300_000))).toEqual([10_000, 20_000, 40_000, 80_000])
  })

  it('never waits longer than max, even after very many failures', () => {
    expect(restartBackoffMs(6, 10_000, 300_000)).toBe(300_000)
    expect(restartBackoffMs(10_000, 10_000, 300_000)).toBe(300_000)
  })

  it('treats no failure yet like the first, and caps an initial delay above max', () => {
    expect(restartBackoffMs(0, 10_000, 300_000)).toBe(10_000)
    expect(restartBackoffMs(1, 600_000, 300_000)).toBe(300_000)
  })
})

describe('resetRestartsWhenStable()', () => {
  const failedAt = Date.parse('2026-12-06T10:00:00Z')
  const draft = (restarts: number) =>
    new Draft({ restarts, lastFailure: { time: new Date(failedAt).toISOString(), reason: 'WorkerFailed' } })

  it('keeps the count until resetAfter has passed since the last failure, and looks again then', () => {
    const d = draft(3)
    resetRestartsWhenStable(d, failedAt + 60_000, 600_000)
    expect(d.plan().status?.restarts).toBe(3)
    expect(d.plan().requeueAfterMs).toBe(540_000)
  })

  it('starts the count again from 0 after resetAfter of stability, with an Event', () => {
    const d = draft(3)
    resetRestartsWhenStable(d, failedAt + 600_000, 600_000)
    const plan = d.plan()
    expect(plan.status?.restarts).toBe(0)
    expect(plan.events).toEqual([expect.objectContaining({ type: 'Normal', reason: 'RestartsReset' })])
  })
})
