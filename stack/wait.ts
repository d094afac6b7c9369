/**
 * Waiting until something holds, by polling, with a deadline whose error names what was
 * awaited: the one wait of the stack, the demo, the tests and the benchmark. A check that
 * throws has simply not succeeded yet (the API server is busy, the pod is not there yet); its
 * last error goes into the time-out message.
 */
import { setTimeout as sleep } from 'node:timers/promises'

/** A check's "not yet": undefined, or false for a check that answers yes or no. */
type NotYet = undefined | false

export interface WaitOptions {
  /** The pause between two checks (200 ms by default). */
  intervalMs?: number
  /** Asked before each check: a reason ends the wait at once with that reason as the error. */
  failure?: () => string | undefined
  /** Added to the time-out message on a line of its own (logs, a status), computed only then. */
  detail?: () => string | Promise<string>
}

/**
 * Resolves with the first value of `check` that is neither undefined nor false; rejects after
 * `timeoutMs` with "Timed out after … waiting until <what>", the check's last error and `detail`.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | NotYet | Promise<T | NotYet>,
  timeoutMs = 30_000,
  options: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    const failure = options.failure?.()
    if (failure !== undefined) throw new Error(failure)
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      lastError = error
    }
    if (Date.now() >= deadline) break
    await sleep(Math.min(options.intervalMs ?? 200, Math.max(0, deadline - Date.now())))
  }
  const last = lastError === undefined ? '' : ` (last error: ${lastError})`
  const detail = options.detail ? `\n${await options.detail()}` : ''
  throw new Error(`Timed out after ${span(timeoutMs)} waiting until ${what}${last}${detail}`)
}

function span(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`
}
