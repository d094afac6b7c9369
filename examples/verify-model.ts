/**
 * What `exactly verify` compares: the input records (read_committed, in offset order per
 * partition) and the output records, as plain strings. Each example states its expected output
 * as a pure function of the input, written independently of the runtime.
 */

export interface InputRecord {
  topic: string
  partition: number
  offset: string
  key: string | null
  value: string | null
  /** The Kafka timestamp, ms since the epoch (event time for jobs that use it). */
  timestamp?: number
}

export interface OutputRecord {
  key: string | null
  value: string | null
}

export interface ExpectedOutput {
  records: OutputRecord[]
  /** Extra checks an example can make on the actual output (e.g. the bank invariant). */
  invariants?: (actual: readonly OutputRecord[]) => string[]
  /**
   * Maps an actual record to the form `records` is written in, when the model cannot predict
   * every byte (the bank's balances depend on arrival order); invariants still see it whole.
   */
  project?: (record: OutputRecord) => OutputRecord
}

export interface VerifyReport {
  expected: number
  actual: number
  /** Records present more often than expected, with the surplus count. */
  duplicates: Array<{ record: OutputRecord; extra: number }>
  missing: Array<{ record: OutputRecord; count: number }>
  /** Records that should not be there at all. */
  unexpected: Array<{ record: OutputRecord; count: number }>
  invariantViolations: string[]
  ok: boolean
}

/**
 * Compares output with expected output as multisets of (key, value). A record that appears once
 * more than expected is a duplicate; one that appears less is missing; one that should not
 * exist is unexpected. Order across keys is not compared (partitions interleave freely).
 */
export function compareOutput(expected: ExpectedOutput, actual: readonly OutputRecord[]): VerifyReport {
  const want = tally(expected.records)
  const got = tally(expected.project ? actual.map(expected.project) : actual)
  const duplicates: VerifyReport['duplicates'] = []
  const missing: VerifyReport['missing'] = []
  const unexpected: VerifyReport['unexpected'] = []
  for (const [id, { record, count }] of got) {
    const expectedCount = want.get(id)?.count ?? 0
    if (expectedCount === 0) unexpected.push({ record, count })
    else if (count > expectedCount) duplicates.push({ record, extra: count - expectedCount })
  }
  for (const [id, { record, count }] of want) {
    const actualCount = got.get(id)?.count ?? 0
    if (actualCount < count) missing.push({ record, count: count - actualCount })
  }
  const invariantViolations = expected.invariants?.(actual) ?? []
  return {
    expected: expected.records.length,
    actual: actual.length,
    duplicates,
    missing,
    unexpected,
    invariantViolations,
    ok: duplicates.length === 0 && missing.length === 0 && unexpected.length === 0 && invariantViolations.length === 0,
  }
}

function tally(records: readonly OutputRecord[]): Map<string, { record: OutputRecord; count: number }> {
  const map = new Map<string, { record: OutputRecord; count: number }>()
  for (const record of records) {
    const id = JSON.stringify([record.key, record.value])
    const entry = map.get(id)
    if (entry) entry.count++
    else map.set(id, { record, count: 1 })
  }
  return map
}
