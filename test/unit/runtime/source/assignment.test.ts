import { describe, expect, it } from 'vitest'
import { sourcePartitionCount, tasksOfSlot } from '../../../../runtime/source/assignment.ts'

describe('tasksOfSlot()', () => {
  it('gives partition p to slot p mod parallelism', () => {
    expect(tasksOfSlot(0, 3, 8)).toEqual([0, 3, 6])
    expect(tasksOfSlot(2, 3, 8)).toEqual([2, 5])
  })

  it('covers every partition exactly once across slots', () => {
    const all = [0, 1, 2, 3].flatMap((s) => tasksOfSlot(s, 4, 10)).sort((a, b) => a - b)
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('leaves a slot idle when there are more slots than partitions', () => {
    expect(tasksOfSlot(5, 6, 4)).toEqual([])
  })

  it('rejects a slot outside the parallelism', () => {
    expect(() => tasksOfSlot(3, 3, 8)).toThrow('slot must be in 0..2, got 3')
  })
})

describe('sourcePartitionCount()', () => {
  it('returns the shared count', () => {
    expect(
      sourcePartitionCount(
        new Map([
          ['a', 4],
          ['b', 4],
        ]),
      ),
    ).toBe(4)
  })

  it('names the topics whose counts differ', () => {
    expect(() =>
      sourcePartitionCount(
        new Map([
          ['a', 4],
          ['b', 6],
        ]),
      ),
    ).toThrow('"a" has 4, "b" has 6')
  })
})
