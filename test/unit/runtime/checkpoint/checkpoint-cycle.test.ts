import { describe, expect, it } from 'vitest'
import {
  decideCheckpoint,
  earlyBarrierPauseMs,
  IllegalTransitionError,
  initialCycle,
  transitionCheckpoint,
} from '../../../../runtime/checkpoint/checkpoint-cycle.ts'

const timing = { intervalMs: 1000, timeoutMs: 5000 }

describe('decideCheckpoint()', () => {
  it('is due one interval after the slot started, then one interval after each barrier', () => {
    let cycle = initialCycle(1, 10_000)
    expect(decideCheckpoint(cycle, 10_500, timing)).toEqual({ kind: 'none', dueInMs: 500 })
    expect(decideCheckpoint(cycle, 11_000, timing)).toEqual({ kind: 'barrier' })
    cycle = transitionCheckpoint(cycle, 'PreCommitting', 11_000)
    cycle = transitionCheckpoint(cycle, 'Storing', 11_010)
    cycle = transitionCheckpoint(cycle, 'Committing', 11_300)
    cycle = transitionCheckpoint(cycle, 'Idle', 11_400)
    expect(cycle.checkpointId).toBe(2)
    expect(decideCheckpoint(cycle, 11_900, timing)).toEqual({ kind: 'none', dueInMs: 100 })
    expect(decideCheckpoint(cycle, 12_000, timing)).toEqual({ kind: 'barrier' })
  })

  it('takes the barrier early when the slot only waits on records it wrote to its own sources', () => {
    const slow = { intervalMs: 10_000, timeoutMs: 30_000 }
    const waiting = { waitingOnOwnOutput: true }
    let cycle = transitionCheckpoint(initialCycle(1, 0), 'PreCommitting', 1000)
    cycle = transitionCheckpoint(cycle, 'Storing', 1010)
    cycle = transitionCheckpoint(cycle, 'Committing', 1050)
    cycle = transitionCheckpoint(cycle, 'Idle', 1060)
    // One second after the last barrier at the earliest (a tenth of the interval), not ten.
    expect(decideCheckpoint(cycle, 1500, slow, waiting)).toEqual({ kind: 'none', dueInMs: 500 })
    expect(decideCheckpoint(cycle, 2000, slow, waiting)).toEqual({ kind: 'barrier' })
    // Busy, or nothing of its own pending: the interval holds.
    expect(decideCheckpoint(cycle, 2000, slow, { waitingOnOwnOutput: false })).toEqual({
      kind: 'none',
      dueInMs: 9000,
    })
    expect(decideCheckpoint(cycle, 2000, slow)).toEqual({ kind: 'none', dueInMs: 9000 })
  })

  it('never takes an early barrier while a checkpoint is in flight', () => {
    let cycle = transitionCheckpoint(initialCycle(1, 0), 'PreCommitting', 1000)
    cycle = transitionCheckpoint(cycle, 'Storing', 1001)
    expect(decideCheckpoint(cycle, 4000, timing, { waitingOnOwnOutput: true }).kind).toBe('none')
  })

  it('spaces early barriers by a tenth of the interval, kept between 100 ms and 1 s', () => {
    expect(earlyBarrierPauseMs(10_000)).toBe(1000)
    expect(earlyBarrierPauseMs(60_000)).toBe(1000)
    expect(earlyBarrierPauseMs(2000)).toBe(200)
    expect(earlyBarrierPauseMs(500)).toBe(100)
    expect(earlyBarrierPauseMs(50)).toBe(50)
  })

  it('never starts a barrier while a checkpoint is in flight, however late', () => {
    let cycle = transitionCheckpoint(initialCycle(1, 0), 'PreCommitting', 1000)
    cycle = transitionCheckpoint(cycle, 'Storing', 1001)
    expect(decideCheckpoint(cycle, 4000, timing).kind).toBe('none')
  })

  it('reports a checkpoint in flight past checkpoint.timeout, naming its phase', () => {
    let cycle = transitionCheckpoint(initialCycle(7, 0), 'PreCommitting', 1000)
    cycle = transitionCheckpoint(cycle, 'Storing', 1001)
    expect(decideCheckpoint(cycle, 6001, timing)).toEqual({
      kind: 'timeout',
      message: 'Checkpoint 7 did not finish within checkpoint.timeout (5000 ms); it was Storing',
    })
  })
})

describe('transitionCheckpoint()', () => {
  it('refuses moves that skip a step of the protocol', () => {
    const cycle = initialCycle(3, 0)
    expect(() => transitionCheckpoint(cycle, 'Committing', 1)).toThrow(IllegalTransitionError)
    expect(() => transitionCheckpoint(cycle, 'Committing', 1)).toThrow(
      'Cannot move checkpoint 3 from Idle to Committing',
    )
  })

  it('Failed is final', () => {
    const failed = transitionCheckpoint(
      transitionCheckpoint(initialCycle(1, 0), 'PreCommitting', 1),
      'Failed',
      2,
      'S3 down',
    )
    expect(failed.failure).toBe('S3 down')
    expect(() => transitionCheckpoint(failed, 'Idle', 3)).toThrow(IllegalTransitionError)
  })
})
