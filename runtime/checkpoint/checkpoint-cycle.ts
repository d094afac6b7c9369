/**
 * The checkpoint cycle of one worker slot (DESIGN section 4), as a state machine:
 *
 *   Idle ──barrier due──▶ PreCommitting ──T(k) flushed, state copied, T(k+1) open──▶ Storing
 *     ▲                                                                                 │
 *     │                                                   snapshots, manifest, head CAS │
 *     └──────────── EndTxn(commit T(k)) answered ◀── Committing ◀───────────────────────┘
 *
 *   PreCommitting, Storing or Committing past `checkpoint.timeout` ──▶ Failed
 *
 * Processing runs during Storing and Committing; only PreCommitting holds it. The next barrier
 * is due `interval` after the previous one started, but only from Idle: checkpoint k+1 never
 * starts before k finished, which is what keeps three transactional ids enough.
 *
 * Failed means the slot must restart from its head: T(k) and T(k+1) would otherwise age
 * towards `kafka.transactionTimeout` with nobody able to commit them. Because
 * transactionTimeout > interval + timeout (enforced by the CRD), they are still open when the
 * restart aborts them by fencing, and nothing is lost: the input is replayed from the head.
 */

export type CheckpointPhase = 'Idle' | 'PreCommitting' | 'Storing' | 'Committing' | 'Failed'

export const CHECKPOINT_TRANSITIONS: Readonly<Record<CheckpointPhase, readonly CheckpointPhase[]>> = {
  Idle: ['PreCommitting'],
  PreCommitting: ['Storing', 'Failed'],
  Storing: ['Committing', 'Failed'],
  Committing: ['Idle', 'Failed'],
  Failed: [],
}

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError'
  readonly code = 'EXACTLY_ILLEGAL_TRANSITION'
}

export interface CheckpointCycle {
  phase: CheckpointPhase
  /** The checkpoint in flight, or the next one to take when Idle. */
  checkpointId: number
  /** When the current (or last) barrier started, ms since the epoch; undefined before the first. */
  barrierAt: number | undefined
  /** When the slot started running (the first barrier is due one interval after it). */
  runningSince: number
  failure?: string
}

export function initialCycle(nextCheckpointId: number, now: number): CheckpointCycle {
  return { phase: 'Idle', checkpointId: nextCheckpointId, barrierAt: undefined, runningSince: now }
}

export function transitionCheckpoint(
  cycle: CheckpointCycle,
  to: CheckpointPhase,
  now: number,
  failure?: string,
): CheckpointCycle {
  if (!CHECKPOINT_TRANSITIONS[cycle.phase].includes(to)) {
    throw new IllegalTransitionError(`Cannot move checkpoint ${cycle.checkpointId} from ${cycle.phase} to ${to}`)
  }
  switch (to) {
    case 'PreCommitting':
      return { ...cycle, phase: to, barrierAt: now }
    case 'Storing':
    case 'Committing':
      return { ...cycle, phase: to }
    case 'Idle':
      return { ...cycle, phase: to, checkpointId: cycle.checkpointId + 1 }
    case 'Failed':
      return { ...cycle, phase: to, failure: failure ?? 'checkpoint failed' }
  }
}

export interface CheckpointTiming {
  intervalMs: number
  timeoutMs: number
}

/**
 * What the slot loop saw since its last fetch. `waitingOnOwnOutput`: every source is read up
 * to its last stable offset, and the open transaction holds records for one of the job's own
 * source topics (a repartition, as in examples/bank-transfers). Under read_committed those
 * records become readable only when their checkpoint commits, so the slot would idle until the
 * interval ran out: a barrier now costs nothing and lets the job go on.
 */
export interface SlotActivity {
  waitingOnOwnOutput: boolean
}

/**
 * The shortest gap between barriers when one is taken early: a tenth of the interval, between
 * 100 ms and 1 s, so a job that feeds itself in a loop checkpoints at most ten times per interval.
 */
export function earlyBarrierPauseMs(intervalMs: number): number {
  return Math.min(intervalMs, Math.max(100, Math.min(1000, intervalMs / 10)))
}

/** What the slot loop should do about checkpoints right now. */
export type CheckpointDecision =
  | { kind: 'none'; dueInMs: number }
  | { kind: 'barrier' }
  | { kind: 'timeout'; message: string }

export function decideCheckpoint(
  cycle: CheckpointCycle,
  now: number,
  timing: CheckpointTiming,
  activity: SlotActivity = { waitingOnOwnOutput: false },
): CheckpointDecision {
  switch (cycle.phase) {
    case 'Idle': {
      const last = cycle.barrierAt ?? cycle.runningSince
      const due = activity.waitingOnOwnOutput ? last + earlyBarrierPauseMs(timing.intervalMs) : last + timing.intervalMs
      return now >= due ? { kind: 'barrier' } : { kind: 'none', dueInMs: due - now }
    }
    case 'PreCommitting':
    case 'Storing':
    case 'Committing': {
      const started = cycle.barrierAt ?? now
      if (now - started > timing.timeoutMs) {
        return {
          kind: 'timeout',
          message: `Checkpoint ${cycle.checkpointId} did not finish within checkpoint.timeout (${timing.timeoutMs} ms); it was ${cycle.phase}`,
        }
      }
      return { kind: 'none', dueInMs: Math.max(0, started + timing.timeoutMs - now) }
    }
    case 'Failed':
      return { kind: 'none', dueInMs: Number.POSITIVE_INFINITY }
    default: {
      const never: never = cycle.phase
      throw new Error(`Unknown checkpoint phase ${String(never)}`)
    }
  }
}
