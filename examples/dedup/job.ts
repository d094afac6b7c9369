/**
 * Dedup: passes each record through the first time its key is seen and drops later copies.
 * The set of seen keys is keyed state, so a restart neither forgets it nor lets a copy through.
 */
import { defineJob } from 'exactly/runtime'

export default defineJob({
  process(record, ctx) {
    const id = record.key?.toString()
    if (!id) throw new Error('record without a key: dedup needs the id in the record key')
    if (ctx.state.has(id)) return
    ctx.state.set(id, 1)
    ctx.emit({ key: id, value: record.value })
  },
})
