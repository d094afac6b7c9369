/**
 * When a failed slot may start again: exponential backoff from `restartPolicy.backoff.initial`,
 * doubling with each failure in a row, capped at `max`. Pure arithmetic, apart from the waiting.
 */

export function restartBackoffMs(failuresInRow: number, initialMs: number, maxMs: number): number {
  if (failuresInRow <= 1) return Math.min(initialMs, maxMs)
  return Math.min(maxMs, initialMs * 2 ** Math.min(failuresInRow - 1, 30))
}
