/** PURE: exponential backoff with jitter for the adapter's retry loops. */

export interface BackoffOptions {
  /** Delay before the first retry. */
  initialMs: number
  /** Upper bound of any delay. */
  maxMs: number
  /** Share of the delay that is random, in [0, 1]: 0.2 means ±20%. */
  jitter: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 50, maxMs: 1000, jitter: 0.2 }

/**
 * Delay before retry number `attempt` (0 for the first retry): `initialMs * 2^attempt`, capped
 * at `maxMs`, spread by `jitter` with `random` in [0, 1), and never past `remainingMs` (the time
 * left before the caller's deadline).
 */
export function backoffDelayMs(
  attempt: number,
  random: number,
  remainingMs: number,
  options = DEFAULT_BACKOFF,
): number {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`Cannot compute a backoff: attempt must be a non-negative integer, got ${attempt}`)
  }
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30))
  const spread = base * options.jitter * (2 * random - 1)
  const delay = Math.round(Math.min(options.maxMs, base + spread))
  return Math.max(0, Math.min(delay, remainingMs))
}
