import { describe, expect, it } from 'vitest'
import type { CheckpointRef } from '../../../../runtime/checkpoint/layout.ts'
import { planRetention } from '../../../../runtime/checkpoint/retention.ts'

const r = (checkpointId: number, attempt = 1): CheckpointRef => ({ checkpointId, attempt })
const ids = (refs: CheckpointRef[]) => refs.map((x) => `${x.checkpointId}a${x.attempt}`)

describe('planRetention()', () => {
  it('keeps the `retained` newest complete checkpoints, the head included', () => {
    const present = [1, 2, 3, 4, 5].map((id) => r(id))
    const doomed = planRetention({ present, head: { attempt: 1, checkpoint: r(5) }, retained: 3, referenced: [] })
    expect(ids(doomed)).toEqual(['1a1', '2a1'])
  })

  it('never deletes the head, even with retained 1', () => {
    const doomed = planRetention({
      present: [r(4), r(5)],
      head: { attempt: 1, checkpoint: r(5) },
      retained: 1,
      referenced: [],
    })
    expect(ids(doomed)).toEqual(['4a1'])
  })

  it('never deletes a checkpoint a restore point or savepoint references', () => {
    const present = [1, 2, 3, 4].map((id) => r(id))
    const doomed = planRetention({ present, head: { attempt: 1, checkpoint: r(4) }, retained: 1, referenced: [r(2)] })
    expect(ids(doomed)).toEqual(['1a1', '3a1'])
  })

  it('deletes what a dead attempt wrote above the head, never what the owner is storing now', () => {
    // Attempt 1 wrote manifest 6 and died before its head CAS; attempt 2 claimed head 5 and is storing 6.
    const doomed = planRetention({
      present: [r(5), r(6, 1), r(6, 2)],
      head: { attempt: 2, checkpoint: r(5) },
      retained: 2,
      referenced: [],
    })
    expect(ids(doomed)).toEqual(['6a1'])
  })

  it('for an id written by two attempts keeps only the one that became the head', () => {
    const doomed = planRetention({
      present: [r(5), r(6, 1), r(6, 2), r(7, 2)],
      head: { attempt: 2, checkpoint: r(7, 2) },
      retained: 3,
      referenced: [],
    })
    expect(ids(doomed)).toEqual(['6a1'])
  })

  it('before the first checkpoint deletes only what lower attempts left', () => {
    const doomed = planRetention({
      present: [r(1, 1), r(1, 2), r(1, 3)],
      head: { attempt: 2, checkpoint: null },
      retained: 1,
      referenced: [],
    })
    expect(ids(doomed)).toEqual(['1a1'])
  })

  it('counts complete checkpoints of older attempts towards `retained`', () => {
    const doomed = planRetention({
      present: [r(1, 1), r(2, 1), r(3, 2), r(4, 3)],
      head: { attempt: 3, checkpoint: r(4, 3) },
      retained: 2,
      referenced: [],
    })
    expect(ids(doomed)).toEqual(['1a1', '2a1'])
  })

  it('deletes each directory once, in checkpoint order', () => {
    const doomed = planRetention({
      present: [r(3), r(1), r(1), r(2), r(4)],
      head: { attempt: 1, checkpoint: r(4) },
      retained: 1,
      referenced: [],
    })
    expect(ids(doomed)).toEqual(['1a1', '2a1', '3a1'])
  })

  it('rejects retained below 1', () => {
    expect(() =>
      planRetention({ present: [], head: { attempt: 1, checkpoint: null }, retained: 0, referenced: [] }),
    ).toThrow(/retained must be an integer >= 1, got 0/)
  })
})
