/**
 * Durations as Kubernetes users write them: `500ms`, `10s`, `15m`, `1h`, or combinations such as
 * `1m30s` (the Go time.ParseDuration subset without fractions below a millisecond).
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/

export function parseDuration(text: string, field = 'duration'): number {
  if (typeof text !== 'string' || !WHOLE.test(text)) {
    throw new RangeError(`Invalid ${field} "${text}": write a duration such as 500ms, 10s, 15m or 1h30m`)
  }
  let ms = 0
  for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit!]!
  return Math.round(ms)
}

/** A duration given in milliseconds or as text (`10s`): a finite number of ms, at least 0. */
export function durationToMs(value: number | string, field: string): number {
  const ms = typeof value === 'string' ? parseDuration(value, field) : value
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`Invalid ${field} ${String(value)}: write a duration such as 500ms, 10s or 1m`)
  }
  return ms
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`
  return `${ms}ms`
}
