/**
 * TransactionsClean across generations: False when the recover pod that closed the last
 * generation found output lost (it says so in its termination log), with one Warning Event; True
 * again when a generation starts clean, whatever the one before it had.
 */
import { describe, expect, it } from 'vitest'
import type { StreamJob } from '../../../../operator/api/streamjob-types.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import type { ObservedPod } from '../../../../operator/reconcile/observed.ts'
import { observed, SETTINGS, T0 } from '../fixtures.ts'
import { after, changed, condition, recoverPod, running } from './decide-fixtures.ts'

const LOST = JSON.stringify({
  reason: 'TransactionExpired',
  message: 'Closing generation 1, recovery found pre-committed transaction(s) the broker had already aborted',
})

/** Rescales a running job through its upgrade, the recover pod ending with `terminationMessage`. */
function closeGeneration(job: StreamJob, pods: ObservedPod[], terminationMessage?: string) {
  const rescaled = changed(job, { parallelism: 3 })
  const stopping = decide(observed(rescaled, pods), T0, SETTINGS)
  const stopped = pods.map((p) => ({ ...p, phase: 'Succeeded' as const, ready: false, exitCode: 0 }))
  const recovering = decide(observed(after(rescaled, stopping), stopped), T0 + 5000, SETTINGS)
  const recover = recoverPod('counts-g1-recover-g2', {
    phase: 'Succeeded',
    ...(terminationMessage ? { terminationMessage } : {}),
  })
  return decide(observed(after(rescaled, recovering), [...stopped, recover]), T0 + 9000, SETTINGS)
}

describe('decide() and TransactionsClean across generations', () => {
  it("is False with the recover pod's words when closing the generation found output lost, with one Event", () => {
    const { job, pods } = running(2)
    const done = closeGeneration(job, pods, LOST)
    expect(condition(done, 'TransactionsClean')).toMatchObject({ status: 'False', reason: 'TransactionExpired' })
    expect(condition(done, 'TransactionsClean')?.message).toContain('recovery found pre-committed transaction(s)')
    expect(done.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'TransactionExpired' }))
  })

  it('returns to True when a generation starts clean after one that lost output', () => {
    const { job, pods } = running(2)
    const lostBefore: StreamJob = {
      ...job,
      status: {
        ...job.status,
        conditions: [
          ...(job.status?.conditions ?? []).filter((c) => c.type !== 'TransactionsClean'),
          {
            type: 'TransactionsClean',
            status: 'False',
            reason: 'TransactionExpired',
            message: 'T(7) was aborted',
            lastTransitionTime: '2026-12-06T10:00:00Z',
          },
        ],
      },
    }
    const done = closeGeneration(lostBefore, pods)
    expect(condition(done, 'TransactionsClean')).toMatchObject({ status: 'True', reason: 'TransactionsCommitted' })
  })
})
