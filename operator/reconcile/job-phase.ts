/**
 * The phase a StreamJob's status shows, as a state machine. decide() computes the next phase from
 * what it sees (level-triggered), and every pass moves it through `transitionJobPhase`, so a move
 * the design does not allow is a bug that fails the pass loudly instead of being written.
 *
 *   Pending ──▶ Starting ⇄ Running ⇄ Recovering ⇄ Failed         the running generation, slot by slot
 *      │            │ (any of the four)                            (decide-slots.ts)
 *      │            ├──spec changed / savepoint──▶ Upgrading ──┐
 *      │            ├──spec.state suspended──────▶ Suspending ─┤   the generation closes
 *      │            └──deleted───────────────────▶ Deleting    │   (decide-transition.ts)
 *      │                                                       ▼
 *      │                      generation closed: Starting … of the next one, or Suspended,
 *      │                      or Deleting when the job was deleted meanwhile
 *      ├──restoreFrom or savepointTrigger on a new job──▶ Upgrading
 *      ├──created suspended──▶ Suspended ──resumed──▶ Starting …
 *      └──deleted before it ran──▶ Deleting
 *
 *   Upgrading, Suspending, Deleting ──exactly recover failed too often──▶ Failed
 *   Deleting ──▶ Deleting or Failed only: a deleted job never runs again
 *
 * Why some moves a reader might expect are missing: nothing returns to Pending (it only means
 * "never decided"); a layout change runs to its end before another starts (no Upgrading ⇄
 * Suspending); a closed generation (Suspended) starts again before it can change layout.
 * Moves that look like shortcuts (Running ──▶ Suspended) happen when a pass finds the previous
 * pass's work already done, e.g. a recover pod that succeeded while a status write failed.
 * Staying in a phase is always legal: a paused job, or a pass with nothing new, keeps it.
 */
import type { JobPhase } from '../api/streamjob-types.ts'

export const JOB_PHASE_TRANSITIONS: Readonly<Record<JobPhase, readonly JobPhase[]>> = {
  Pending: ['Starting', 'Running', 'Recovering', 'Failed', 'Upgrading', 'Suspended', 'Deleting'],
  Starting: ['Running', 'Recovering', 'Failed', 'Upgrading', 'Suspending', 'Suspended', 'Deleting'],
  Running: ['Starting', 'Recovering', 'Failed', 'Upgrading', 'Suspending', 'Suspended', 'Deleting'],
  Recovering: ['Starting', 'Running', 'Failed', 'Upgrading', 'Suspending', 'Suspended', 'Deleting'],
  Failed: ['Starting', 'Running', 'Recovering', 'Upgrading', 'Suspending', 'Suspended', 'Deleting'],
  Upgrading: ['Starting', 'Running', 'Recovering', 'Failed', 'Suspended', 'Deleting'],
  Suspending: ['Starting', 'Running', 'Recovering', 'Failed', 'Suspended', 'Deleting'],
  Suspended: ['Starting', 'Running', 'Recovering', 'Failed', 'Deleting'],
  Deleting: ['Failed'],
}

/** A state machine was asked for a move its table does not list: a bug, not a condition to handle. */
export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError'
  readonly code = 'EXACTLY_ILLEGAL_TRANSITION'
  readonly from: JobPhase
  readonly to: JobPhase

  constructor(job: string, from: JobPhase, to: JobPhase) {
    const allowed = [from, ...JOB_PHASE_TRANSITIONS[from]].map((p) => `"${p}"`).join(', ')
    super(`Cannot move StreamJob "${job}" from phase "${from}" to "${to}": from "${from}" it may become ${allowed}`)
    this.from = from
    this.to = to
  }
}

/**
 * The phase after `from` (undefined: a job whose status has none yet, that is Pending), or an
 * IllegalTransitionError naming `job` (`namespace/name`) when the table does not allow the move.
 */
export function transitionJobPhase(from: JobPhase | undefined, to: JobPhase, job: string): JobPhase {
  const current = from ?? 'Pending'
  if (current !== to && !JOB_PHASE_TRANSITIONS[current].includes(to)) {
    throw new IllegalTransitionError(job, current, to)
  }
  return to
}
