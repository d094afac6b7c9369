/**
 * Counts records per key and time window (spec.job.config.window, e.g. "1h", parsed with the
 * `ms` package): each record emits `<key>@<window start>` with the count so far. The window comes
 * from the record's own timestamp, never the clock, so a replay after a failure emits the same.
 */
import { defineJob } from 'exactly/runtime'
import ms from 'ms'

export interface Config {
  window?: string
}

export default defineJob<Config>({
  process(record, ctx) {
    const key = record.key?.toString()
    if (!key) throw new Error('record without a key: the job counts per key')
    const windowMs = ms(ctx.config?.window ?? '1h')
    if (!Number.isFinite(windowMs) || windowMs <= 0)
      throw new Error(`config.window "${ctx.config?.window}" is not a duration`)
    const start = Math.floor(record.timestamp / windowMs) * windowMs
    const id = `${key}@${new Date(start).toISOString()}`
    const n = (ctx.state.get<number>(id) ?? 0) + 1
    ctx.state.set(id, n)
    ctx.emit({ key: id, value: String(n) })
  },
})
