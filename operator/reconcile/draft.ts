/**
 * The plan under construction during one decide() call: actions and events appended in order,
 * the status being rebuilt, and the earliest time to look again.
 */
import type { StreamJobStatus } from '../api/streamjob-types.ts'
import type { Action, Plan, PlannedEvent } from './plan.ts'

export class Draft {
  readonly actions: Action[] = []
  readonly events: PlannedEvent[] = []
  status: StreamJobStatus
  #requeueAfterMs: number | undefined

  constructor(status: StreamJobStatus) {
    this.status = status
  }

  /** Appends `action`; a second delete of the same pod in one pass is dropped. */
  act(action: Action): void {
    if (action.kind === 'deletePod' && this.actions.some((a) => a.kind === 'deletePod' && a.name === action.name))
      return
    this.actions.push(action)
  }

  event(type: PlannedEvent['type'], reason: string, message: string): void {
    this.events.push({ type, reason, message })
  }

  /** Asks for another pass within `ms` (the earliest request wins). */
  requeue(ms: number): void {
    const wait = Math.max(0, Math.ceil(ms))
    this.#requeueAfterMs = this.#requeueAfterMs === undefined ? wait : Math.min(this.#requeueAfterMs, wait)
  }

  plan(): Plan {
    return { actions: this.actions, status: this.status, events: this.events, requeueAfterMs: this.#requeueAfterMs }
  }
}
