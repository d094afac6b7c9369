import { describe, expect, it } from 'vitest'
import { initialCycle, transitionCheckpoint } from '../../../../runtime/checkpoint/checkpoint-cycle.ts'
import { maxHoldMs, SavepointHold } from '../../../../runtime/slot/savepoint-hold.ts'

const idle = (k: number) => initialCycle(k, 0)
const storing = (k: number) => transitionCheckpoint(transitionCheckpoint(idle(k), 'PreCommitting', 0), 'Storing', 0)

describe('SavepointHold', () => {
  it('cuts at the next idle turn, holds barriers back until its part is written and it is released', () => {
    const hold = new SavepointHold(30_000)
    expect(hold.step(idle(5), 1000)).toBe('none')
    expect(hold.request('sp')).toEqual({ accepted: true })
    // A checkpoint in flight finishes first: the cut is a checkpoint started after the request.
    expect(hold.step(storing(5), 1000)).toBe('none')
    expect(hold.step(idle(6), 1100)).toBe('cut')
    expect(hold.report(1100)).toEqual({ name: 'sp', state: 'cutting', checkpointId: 6, holdRemainingMs: 30_000 })
    expect(hold.step(storing(6), 1200)).toBe('hold')
    expect(hold.cutCompleted(5)).toBeUndefined()
    expect(hold.cutCompleted(6)).toBe('sp')
    expect(hold.report(1300)?.state).toBe('cutting')
    hold.partWritten('sp')
    expect(hold.step(idle(7), 2100)).toBe('hold')
    expect(hold.report(2100)).toEqual({ name: 'sp', state: 'holding', checkpointId: 6, holdRemainingMs: 29_000 })
    expect(hold.release('sp')).toEqual({ accepted: true })
    expect(hold.step(idle(7), 2200)).toBe('none')
    expect(hold.release('sp')).toEqual({ accepted: true })
    hold.written('sp')
    expect(hold.report(2300)).toEqual({ name: 'sp', state: 'written', checkpointId: 6 })
  })

  it('gives the savepoint up once the hold outlives its limit, and checkpoints go on', () => {
    const hold = new SavepointHold(5000)
    hold.request('sp')
    expect(hold.step(idle(1), 0)).toBe('cut')
    expect(hold.step(idle(2), 5000)).toBe('hold')
    expect(hold.step(idle(2), 5001)).toBe('none')
    expect(hold.report(5001)).toMatchObject({
      state: 'failed',
      message: expect.stringContaining('not released within 5000 ms'),
    })
    expect(hold.release('sp')).toMatchObject({ accepted: false, reason: expect.stringContaining('failed here') })
  })

  it('refuses another savepoint while one is in progress; asking again for the same one is a no-op', () => {
    const hold = new SavepointHold(5000)
    hold.request('a')
    hold.step(idle(1), 0)
    expect(hold.request('a')).toEqual({ accepted: true })
    expect(hold.request('b')).toMatchObject({
      accepted: false,
      reason: 'savepoint "a" is in progress; release it first',
    })
    expect(hold.release('b')).toMatchObject({ accepted: false, reason: 'no savepoint "b" here' })
    hold.release('a')
    expect(hold.request('b')).toEqual({ accepted: true })
  })

  it('a stop ends the hold as failed: the final checkpoint commits past the cut', () => {
    const hold = new SavepointHold(5000)
    hold.request('sp')
    hold.step(idle(1), 0)
    hold.stopping()
    expect(hold.report(10)).toMatchObject({ state: 'failed', message: expect.stringContaining('stopping') })
    expect(hold.step(idle(2), 20)).toBe('none')
  })

  it('holds at most what the transaction timeout leaves after a checkpoint timeout, and never over a minute', () => {
    expect(maxHoldMs(60_000, 30_000)).toBe(25_000)
    expect(maxHoldMs(900_000, 60_000)).toBe(60_000)
    expect(maxHoldMs(12_000, 10_000)).toBe(1000)
  })
})
