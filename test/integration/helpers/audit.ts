/**
 * A run's output audited as `exactly verify` audits it: the input and output records (as read
 * read_committed) turned into plain strings and compared with an example's model of the output.
 * `auditIndependently` reads both topics with the reader of committed-reader.ts, which shares no
 * code with the runtime's fetch path; `sameAsIndependentRead` holds the runtime's own read to it.
 */
import {
  compareOutput,
  type ExpectedOutput,
  type InputRecord,
  type OutputRecord,
  type VerifyReport,
} from '../../../examples/verify-model.ts'
import type { FetchedRecord } from '../../../runtime/kafka/kafka-client.ts'
import { type PlainRecord, readAllCommitted } from './committed-reader.ts'

type Model = (input: readonly InputRecord[]) => ExpectedOutput

/** The output compared with `model` of the input, record by record (see compareOutput). */
export function compareRecords(model: Model, input: readonly FetchedRecord[], output: readonly FetchedRecord[]) {
  return comparePlain(model, input.map(plain), output.map(plain))
}

function comparePlain(model: Model, input: readonly PlainRecord[], output: readonly PlainRecord[]): VerifyReport {
  return compareOutput(
    model(input),
    output.map((r) => ({ key: r.key, value: r.value })),
  )
}

/** A fetched record as plain strings (offset in decimal), as the independent reader gives it. */
export function plain(r: FetchedRecord): PlainRecord {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: String(r.offset),
    key: r.key?.toString() ?? null,
    value: r.value?.toString() ?? null,
  }
}

/**
 * The input topics and the output topic read with the independent reader, and the output
 * compared with `model` of that input.
 */
export async function auditIndependently(
  bootstrap: string,
  model: Model,
  topics: { input: readonly string[]; output: string },
  timeoutMs?: number,
): Promise<{ input: PlainRecord[]; output: PlainRecord[]; report: VerifyReport }> {
  const all = await readAllCommitted(bootstrap, [...topics.input, topics.output], timeoutMs)
  const input = all.filter((r) => r.topic !== topics.output)
  const output = all.filter((r) => r.topic === topics.output)
  return { input, output, report: comparePlain(model, input, output) }
}

/**
 * Where the runtime's read (runtime/kafka/read-to-end.ts) and the independent one disagree: at
 * most `limit` lines, empty when they hold the same records at the same offsets.
 */
export function differences(runtime: readonly FetchedRecord[], independent: readonly PlainRecord[], limit = 5) {
  const line = (r: PlainRecord) => `${r.topic}/${r.partition}@${r.offset} ${r.key} → ${r.value}`
  // Offsets make every line unique, so sets compare them (a quarter million records in the chaos suite).
  const a = new Set(runtime.map((r) => line(plain(r))))
  const b = new Set(independent.map(line))
  if (a.size !== runtime.length || b.size !== independent.length) return ['a reader returned a record twice']
  const onlyRuntime = [...a].filter((x) => !b.has(x)).map((x) => `only the runtime read ${x}`)
  const onlyIndependent = [...b].filter((x) => !a.has(x)).map((x) => `only the independent reader read ${x}`)
  return [...onlyRuntime, ...onlyIndependent].slice(0, limit)
}

/** `a` without one occurrence of each record of `b` (which must all be in `a`). */
export function multisetMinus(a: readonly OutputRecord[], b: readonly OutputRecord[]): OutputRecord[] {
  const id = (r: OutputRecord) => JSON.stringify([r.key, r.value])
  const left = new Map<string, number>()
  for (const r of b) left.set(id(r), (left.get(id(r)) ?? 0) + 1)
  return a.filter((r) => {
    const n = left.get(id(r)) ?? 0
    if (n > 0) left.set(id(r), n - 1)
    return n === 0
  })
}
