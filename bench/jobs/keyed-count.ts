/**
 * Keyed count: the number of records seen per record key, kept in keyed state, emitted as
 * (key, String(count)) after every record. Unlike word count it reads the key, not the value, so
 * the record size can vary without changing the state: the state grows with the number of
 * distinct keys (10^4 or 10^6 in the benchmark), which is what its checkpoints upload.
 */
import { defineJob } from 'exactly/runtime'

export default defineJob({
  process(record, ctx) {
    const key = record.key?.toString()
    if (key === undefined) throw new Error('record without a key: the keyed count needs one')
    const count = (ctx.state.get<number>(key) ?? 0) + 1
    ctx.state.set(key, count)
    ctx.emit({ key, value: String(count) })
  },
})
