/**
 * Passthrough: every input record goes to the sink unchanged (same key, same value). It measures
 * what the runtime itself costs per record: fetch, the task loop, the transaction and its
 * checkpoints, with no state. The value carries the record's sequence number (bench/preload.ts),
 * so the correctness check can tell a duplicate from a second record with the same bytes.
 */
import { defineJob } from 'exactly/runtime'

export default defineJob({
  process(record, ctx) {
    ctx.emit({ key: record.key, value: record.value })
  },
})
