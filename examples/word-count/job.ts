/**
 * Word count: each input record's value is one word; the job keeps a count per word and emits
 * (word, count) after every record. Produce the input keyed by the word so that each word lives
 * in one partition and its count is global.
 */
import { defineJob } from 'exactly/runtime'

export default defineJob({
  process(record, ctx) {
    const word = record.value?.toString().trim()
    if (!word) throw new Error('empty word: each record value must be one word')
    const count = (ctx.state.get<number>(word) ?? 0) + 1
    ctx.state.set(word, count)
    ctx.emit({ key: word, value: String(count) })
  },
})
