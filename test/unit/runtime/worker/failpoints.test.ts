import { describe, expect, it } from 'vitest'
import { failpointAction, parseFailpoints } from '../../../../runtime/worker/failpoints.ts'

describe('parseFailpoints()', () => {
  it('reads steps, checkpoint ids and actions', () => {
    expect(parseFailpoints('after-manifest@2, during-restore=stop')).toEqual([
      { step: 'after-manifest', checkpointId: 2, action: 'kill' },
      { step: 'during-restore', checkpointId: undefined, action: 'stop' },
    ])
  })

  it('is empty when unset or blank', () => {
    expect(parseFailpoints(undefined)).toEqual([])
    expect(parseFailpoints('  ')).toEqual([])
  })

  it('refuses an unknown step, naming the known ones, so a typo cannot disable a test', () => {
    expect(() => parseFailpoints('after-manfest@2')).toThrow(/unknown step "after-manfest".*before-precommit/)
    expect(() => parseFailpoints('after-commit@x')).toThrow(/@<checkpointId>/)
    expect(() => parseFailpoints('after-commit=pause')).toThrow(/=kill or =stop/)
  })
})

describe('failpointAction()', () => {
  const rules = parseFailpoints('before-commit@3,after-commit=stop')
  it('fires only at the named checkpoint when one is given', () => {
    expect(failpointAction(rules, 'before-commit', 2)).toBeUndefined()
    expect(failpointAction(rules, 'before-commit', 3)).toBe('kill')
  })
  it('fires at any checkpoint for a bare step', () => {
    expect(failpointAction(rules, 'after-commit', 7)).toBe('stop')
    expect(failpointAction(rules, 'after-precommit', 7)).toBeUndefined()
  })
})
