/**
 * When a failed slot may start again: exponential backoff from `restartPolicy.backoff.initial`,
 * doubling with each failure in a row, capped at `max`; and when the restart count starts
 * again (`restartPolicy.resetAfter`). Pure.
 */
import type { Draft } from './draft.ts'

export function restartBackoffMs(failuresInRow: number, initialMs: number, maxMs: number): number {
  if (failuresInRow <= 1) return Math.min(initialMs, maxMs)
  return Math.min(maxMs, initialMs * 2 ** Math.min(failuresInRow - 1, 30))
}

/**
 * Restarts count failures in a row of instability, not over a generation's life: once the job is
 * Ready and no worker has failed for restartPolicy.resetAfter, the count starts again from 0.
 */
export function resetRestartsWhenStable(draft: Draft, now: number, resetAfterMs: number): void {
  const restarts = draft.status.restarts ?? 0
  const lastFailedAt = Date.parse(draft.status.lastFailure?.time ?? '')
  if (restarts === 0) return
  if (Number.isFinite(lastFailedAt) && now - lastFailedAt < resetAfterMs) {
    draft.requeue(resetAfterMs - (now - lastFailedAt))
    return
  }
  draft.status = { ...draft.status, restarts: 0 }
  draft.event(
    'Normal',
    'RestartsReset',
    `No worker failed for ${Math.round(resetAfterMs / 1000)}s: the restart count starts again from 0`,
  )
}
