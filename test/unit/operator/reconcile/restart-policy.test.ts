import { describe, expect, it } from 'vitest'
import { restartBackoffMs } from '../../../../operator/reconcile/restart-policy.ts'

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
