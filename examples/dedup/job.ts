/**
 * Dedup: passes each record through the first time its key is seen and drops later copies that
 * arrive within the time to live (job.config.ttl, default 1h) of the first, in event time (the
 * record's Kafka timestamp). The seen keys are keyed state with a time to live: a restart neither
 * forgets them nor lets a copy through, and the state does not grow forever.
 */
import { defineJob } from 'exactly/runtime'

export const DEFAULT_DEDUP_TTL = '1h'

export default defineJob<{ ttl?: string }>({
  process(record, ctx) {
    const id = record.key?.toString()
    if (!id) throw new Error('record without a key: dedup needs the id in the record key')
    if (ctx.state.has(id)) return
    ctx.state.set(id, 1, { ttl: ctx.config?.ttl ?? DEFAULT_DEDUP_TTL })
    ctx.emit({ key: id, value: record.value })
  },
})
