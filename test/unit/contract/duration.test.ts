import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration } from '../../../contract/duration.ts'

describe('parseDuration()', () => {
  it('reads the units Kubernetes users write', () => {
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('10s')).toBe(10_000)
    expect(parseDuration('15m')).toBe(900_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('1.5s')).toBe(1500)
  })

  it('names the field and shows valid forms for anything else', () => {
    expect(() => parseDuration('10', 'checkpoint.interval')).toThrow(
      'Invalid checkpoint.interval "10": write a duration such as 500ms, 10s, 15m or 1h30m',
    )
    expect(() => parseDuration('10 s')).toThrow(RangeError)
    expect(() => parseDuration('-1s')).toThrow(RangeError)
    expect(() => parseDuration('')).toThrow(RangeError)
  })

  it('formatDuration() round-trips whole units', () => {
    for (const text of ['250ms', '10s', '15m', '2h']) expect(formatDuration(parseDuration(text))).toBe(text)
  })
})
