import { describe, expect, it } from 'vitest'
import {
  ConditionReason,
  ConditionType,
  findCondition,
  setCondition,
  toConditionTime,
} from '../../../../operator/api/conditions.ts'
import type { Condition } from '../../../../operator/api/streamjob-types.ts'
import { CONDITION_TYPES } from '../fixtures.ts'

const T0 = new Date('2026-03-01T10:00:00.123Z')
const T1 = new Date('2026-03-01T10:05:00.456Z')

const notReady = {
  type: ConditionType.Ready,
  status: 'False',
  reason: ConditionReason.WorkersNotReady,
  message: '0/2 workers ready',
  observedGeneration: 1,
} as const

describe('setCondition()', () => {
  it('adds a new condition with lastTransitionTime = now, in whole seconds', () => {
    const list = setCondition([], notReady, T0)
    expect(list).toEqual([{ ...notReady, lastTransitionTime: '2026-03-01T10:00:00Z' }])
  })

  it('keeps lastTransitionTime when only reason, message or observedGeneration change', () => {
    const before = setCondition([], notReady, T0)
    const after = setCondition(before, { ...notReady, message: '1/2 workers ready', observedGeneration: 2 }, T1)
    expect(after).toEqual([
      { ...notReady, message: '1/2 workers ready', observedGeneration: 2, lastTransitionTime: '2026-03-01T10:00:00Z' },
    ])
  })

  it('moves lastTransitionTime when status flips', () => {
    const before = setCondition([], notReady, T0)
    const after = setCondition(before, { ...notReady, status: 'True', reason: ConditionReason.WorkersReady }, T1)
    expect(findCondition(after, ConditionType.Ready)).toMatchObject({
      status: 'True',
      reason: 'WorkersReady',
      lastTransitionTime: '2026-03-01T10:05:00Z',
    })
  })

  it('uses the caller’s lastTransitionTime on a flip, as SetStatusCondition does', () => {
    const before = setCondition([], notReady, T0)
    const after = setCondition(before, { ...notReady, status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }, T1)
    expect(after[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00Z')
  })

  it('returns the same list when nothing changed, so a status write can be skipped', () => {
    const before = setCondition([], notReady, T0)
    expect(setCondition(before, notReady, T1)).toBe(before)
  })

  it('never mutates its input and leaves other conditions in place', () => {
    const paused: Condition = {
      type: ConditionType.ReconciliationPaused,
      status: 'False',
      reason: ConditionReason.NotPaused,
      message: '',
      lastTransitionTime: '2026-02-01T00:00:00Z',
    }
    const before = Object.freeze([paused, Object.freeze(setCondition([], notReady, T0)[0]!)])
    const after = setCondition(before, { ...notReady, status: 'True' }, T1)
    expect(after[0]).toBe(paused)
    expect(after[1]?.status).toBe('True')
    expect(before[1]?.status).toBe('False')
  })

  it('drops observedGeneration when the update has none', () => {
    const before = setCondition([], notReady, T0)
    const { observedGeneration: _, ...withoutGeneration } = notReady
    expect(setCondition(before, withoutGeneration, T1)[0]).not.toHaveProperty('observedGeneration')
  })
})

describe('toConditionTime()', () => {
  it('drops milliseconds, which metav1.Time does not keep', () => {
    expect(toConditionTime(T1)).toBe('2026-03-01T10:05:00Z')
  })
})

describe('condition vocabulary', () => {
  it('has the condition types DESIGN section 2 requires', () => {
    expect(Object.values(ConditionType)).toEqual(expect.arrayContaining(CONDITION_TYPES))
  })

  it('has only reasons the condition schema accepts (CamelCase)', () => {
    for (const reason of Object.values(ConditionReason)) expect(reason).toMatch(/^[A-Z][A-Za-z0-9]*$/)
  })
})
