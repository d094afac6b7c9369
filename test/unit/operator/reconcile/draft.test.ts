import { describe, expect, it } from 'vitest'
import { Draft } from '../../../../operator/reconcile/draft.ts'

describe('Draft', () => {
  it('act() keeps actions in order and drops a second delete of the same pod', () => {
    const draft = new Draft({})
    draft.act({ kind: 'deletePod', name: 'a', reason: 'replaced' })
    draft.act({ kind: 'stopWorker', pod: 'b', podIP: '10.0.0.2', generation: 1, slot: 1, attempt: 1 })
    draft.act({ kind: 'deletePod', name: 'a', reason: 'generation closed' })
    draft.act({ kind: 'deletePod', name: 'c', reason: 'replaced' })
    expect(draft.plan().actions).toEqual([
      { kind: 'deletePod', name: 'a', reason: 'replaced' },
      { kind: 'stopWorker', pod: 'b', podIP: '10.0.0.2', generation: 1, slot: 1, attempt: 1 },
      { kind: 'deletePod', name: 'c', reason: 'replaced' },
    ])
  })

  it('requeue() keeps the earliest request, rounded up to whole milliseconds and never negative', () => {
    const draft = new Draft({})
    expect(draft.plan().requeueAfterMs).toBeUndefined()
    draft.requeue(5000)
    draft.requeue(1200.2)
    draft.requeue(9000)
    expect(draft.plan().requeueAfterMs).toBe(1201)
    draft.requeue(-5)
    expect(draft.plan().requeueAfterMs).toBe(0)
  })

  it('plan() hands back the status, events and actions as built', () => {
    const draft = new Draft({ restarts: 1 })
    draft.status = { ...draft.status, phase: 'Running' }
    draft.event('Warning', 'WorkerFailed', 'slot 0 failed')
    expect(draft.plan()).toEqual({
      actions: [],
      status: { restarts: 1, phase: 'Running' },
      events: [{ type: 'Warning', reason: 'WorkerFailed', message: 'slot 0 failed' }],
      requeueAfterMs: undefined,
    })
  })
})
