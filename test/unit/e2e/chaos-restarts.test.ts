/**
 * The chaos suite's restart account (test/e2e/chaos-restarts.ts): each restart matched with a
 * kill or the broker restart, each landed kill with its restart or the layout change that
 * settled it, and anything else reported.
 */
import { describe, expect, it } from 'vitest'
import { accountRestarts, type RestartEvidence } from '../../e2e/chaos-restarts.ts'

const pods = (...entries: Array<[string, number]>) => new Map(entries)

/** Generation 1, slots 0 and 1; slot 1 killed at 10 s and replaced at 12 s; a rescale at 50 s. */
const base: RestartEvidence = {
  kills: [{ pod: 'bank-g1-s1-a1', at: 10_000 }],
  podsFirstSeen: pods(['bank-g1-s0-a1', 1000], ['bank-g1-s1-a1', 1000], ['bank-g1-s1-a2', 12_000]),
  restartsByGeneration: new Map([[1, 1]]),
  layoutChanges: [{ at: 50_000, closes: 1 }],
}

describe('accountRestarts', () => {
  it('matches a kill with the restart it caused', () => {
    expect(accountRestarts(base)).toEqual({
      statusRestarts: 1,
      podRestarts: 1,
      killsRestarted: ['bank-g1-s1-a1'],
      killsClosedByLayoutChange: [],
      brokerRestarts: [],
      unexplained: [],
    })
  })

  it('lets a layout change settle a kill it came too soon after to restart', () => {
    const account = accountRestarts({ ...base, kills: [...base.kills, { pod: 'bank-g1-s0-a1', at: 45_000 }] })
    expect(account.killsClosedByLayoutChange).toEqual(['bank-g1-s0-a1'])
    expect(account.unexplained).toEqual([])
  })

  it('reports a kill the operator had time to restart and did not', () => {
    const account = accountRestarts({ ...base, kills: [...base.kills, { pod: 'bank-g1-s0-a1', at: 30_000 }] })
    expect(account.unexplained).toEqual([
      expect.stringContaining('bank-g1-s0-a1 was killed at 30000 ms and not restarted'),
    ])
  })

  it('extends the window by the time no operator led', () => {
    const account = accountRestarts({
      ...base,
      kills: [...base.kills, { pod: 'bank-g1-s0-a1', at: 30_000 }],
      leaderGap: { from: 28_000, to: 45_000 },
    })
    expect(account.killsClosedByLayoutChange).toEqual(['bank-g1-s0-a1'])
    expect(account.unexplained).toEqual([])
  })

  it('accepts a restart without a kill only during the broker restart', () => {
    const extra: RestartEvidence = {
      ...base,
      podsFirstSeen: pods(...base.podsFirstSeen, ['bank-g1-s0-a2', 70_000]),
      restartsByGeneration: new Map([[1, 2]]),
    }
    expect(accountRestarts({ ...extra, broker: { from: 40_000, to: 60_000 } })).toMatchObject({
      brokerRestarts: ['g1-s0-a1'],
      unexplained: [],
    })
    expect(accountRestarts({ ...extra, broker: { from: 200_000, to: 220_000 } }).unexplained).toEqual([
      expect.stringContaining(
        'g1-s0-a1 was replaced (its successor first seen at 70000 ms) but the test did not kill it',
      ),
    ])
  })

  it('reports status.restarts that the pods do not show', () => {
    expect(accountRestarts({ ...base, restartsByGeneration: new Map([[1, 3]]) }).unexplained).toEqual([
      'generation 1: status.restarts reached 3, but the pods seen show 1 replaced attempts',
    ])
  })
})
