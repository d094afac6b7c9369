import type { ExpectedOutput, InputRecord } from '../verify-model.ts'

/** The first record of each key per source partition, in offset order. */
export function expectedDedup(input: readonly InputRecord[]): ExpectedOutput {
  const seen = new Set<string>()
  const records = []
  for (const r of input) {
    if (r.key === null) continue
    const id = `${r.partition}/${r.key}`
    if (seen.has(id)) continue
    seen.add(id)
    records.push({ key: r.key, value: r.value })
  }
  return { records }
}
