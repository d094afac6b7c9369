import { parseDuration } from '../../contract/duration.ts'
import type { ExpectedOutput, InputRecord } from '../verify-model.ts'
import { DEFAULT_DEDUP_TTL } from './job.ts'

/**
 * Per source partition, in offset order: a record passes when its key was not seen, or when the
 * copy seen last expired: its timestamp + ttl ≤ the watermark before this record (the largest
 * timestamp so far - 1 ms, the job allowing no out-of-orderness).
 */
export function expectedDedup(input: readonly InputRecord[], ttl = DEFAULT_DEDUP_TTL): ExpectedOutput {
  const ttlMs = parseDuration(ttl)
  const records = []
  for (const partition of new Set(input.map((r) => r.partition))) {
    const expiresAt = new Map<string, number>()
    let watermark = Number.NEGATIVE_INFINITY
    for (const r of input.filter((x) => x.partition === partition)) {
      if (r.key === null) continue
      const time = r.timestamp ?? 0
      const seen = expiresAt.get(r.key)
      if (seen === undefined || seen <= watermark) {
        expiresAt.set(r.key, time + ttlMs)
        records.push({ key: r.key, value: r.value })
      }
      watermark = Math.max(watermark, time - 1)
    }
  }
  return { records }
}
