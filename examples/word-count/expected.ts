/**
 * The output word count must produce, computed independently of the runtime: per source
 * partition, in offset order, the running count of each word.
 */
import type { ExpectedOutput, InputRecord } from '../verify-model.ts'

export function expectedWordCount(input: readonly InputRecord[]): ExpectedOutput {
  const counts = new Map<string, number>()
  const records = []
  for (const r of input) {
    const word = r.value?.trim()
    if (!word) continue
    const n = (counts.get(`${r.partition}/${word}`) ?? 0) + 1
    counts.set(`${r.partition}/${word}`, n)
    records.push({ key: word, value: String(n) })
  }
  return { records }
}
