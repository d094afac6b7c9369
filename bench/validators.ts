/**
 * What each workload's output must be, checked record by record as the output is read (the
 * output of a 1 KiB run does not fit comfortably in memory at once). Each validator counts, finds
 * duplicates, and at the end names what is missing; a run with any finding is invalid.
 */
import type { BankEvent } from '../examples/bank-transfers/model.ts'
import type { FetchedRecord } from '../runtime/kafka/kafka-client.ts'
import type { PreloadedInput } from './preload.ts'
import { type JobKind, sequenceOf, windowedCounts } from './workloads.ts'

export interface Verdict {
  valid: boolean
  records: number
  expected: number
  duplicates: number
  /** At most a few lines: what was wrong, for the report. */
  problems: string[]
}

export interface Validator {
  readonly expected: number
  add(record: FetchedRecord): void
  finish(): Verdict
}

const SHOWN = 5

/** What every validator finds: records read, duplicates, and problems (only the first few while reading). */
class Findings {
  records = 0
  duplicates = 0
  readonly problems: string[] = []
  readonly #expected: number

  constructor(expected: number) {
    this.#expected = expected
  }

  /** A problem seen while reading: kept if it is among the first SHOWN. */
  note(problem: string): void {
    if (this.problems.length < SHOWN) this.problems.push(problem)
  }

  verdict(): Verdict {
    const { records, duplicates, problems } = this
    return { valid: problems.length === 0, records, expected: this.#expected, duplicates, problems }
  }
}

export function validatorFor(job: JobKind, input: PreloadedInput): Validator {
  switch (job) {
    case 'passthrough':
      return passthrough(input)
    case 'keyedCount':
      return keyedCount(input)
    case 'windowedCount':
      return windowedCount(input)
    case 'bank':
      return bank(input)
  }
}

/** Every input record appears once: its sequence number, carried in the value, is seen once. */
function passthrough(input: PreloadedInput): Validator {
  const expected = input.shape.records
  const seen = new Uint8Array(expected)
  const found = new Findings(expected)
  return {
    expected,
    add(record) {
      found.records++
      const seq = sequenceOf(record.value)
      if (seq < 0 || seq >= expected) {
        found.note(`unexpected record at ${record.partition}@${record.offset}`)
        return
      }
      if (seen[seq]) {
        found.duplicates++
        found.note(`input record ${seq} appears twice (again at ${record.partition}@${record.offset})`)
      }
      seen[seq] = 1
    },
    finish() {
      const missing = expected - seen.reduce((n, b) => n + b, 0)
      if (missing > 0) found.problems.push(`${missing} input records missing from the output`)
      return found.verdict()
    },
  }
}

/** Per key, the counts seen are exactly 1..n (n = the key's input records), each once. */
function keyedCount(input: PreloadedInput): Validator {
  const expected = input.shape.records
  const seen = new Map<string, Set<number>>()
  const found = new Findings(expected)
  return {
    expected,
    add(record) {
      found.records++
      const key = record.key?.toString() ?? ''
      const count = Number(record.value?.toString())
      const n = input.keyCounts.get(key)
      if (n === undefined || !Number.isInteger(count) || count < 1 || count > n) {
        found.note(`unexpected (${key}, ${record.value?.toString()}) at ${record.partition}@${record.offset}`)
        return
      }
      let counts = seen.get(key)
      if (!counts) {
        counts = new Set()
        seen.set(key, counts)
      }
      if (counts.has(count)) {
        found.duplicates++
        found.note(`(${key}, ${count}) appears twice`)
      }
      counts.add(count)
    },
    finish() {
      let missing = 0
      for (const [key, n] of input.keyCounts) missing += n - (seen.get(key)?.size ?? 0)
      if (missing > 0) found.problems.push(`${missing} counts missing from the output`)
      return found.verdict()
    },
  }
}

/** Each closed (key, window) once, with its exact count; every closed window present. */
function windowedCount(input: PreloadedInput): Validator {
  const want = windowedCountsOf(input)
  const seen = new Set<string>()
  const found = new Findings(want.size)
  return {
    expected: want.size,
    add(record) {
      found.records++
      const key = record.key?.toString() ?? ''
      const [start, count] = (record.value?.toString() ?? '').split(':')
      const id = `${key}@${start}`
      if (want.get(id) !== Number(count)) {
        found.note(`unexpected (${key}, ${record.value?.toString()}) at ${record.partition}@${record.offset}`)
        return
      }
      if (seen.has(id)) {
        found.duplicates++
        found.note(`window ${id} appears twice`)
      }
      seen.add(id)
    },
    finish() {
      if (seen.size < want.size) found.problems.push(`${want.size - seen.size} window counts missing from the output`)
      return found.verdict()
    },
  }
}

const windowed = new WeakMap<PreloadedInput, Map<string, number>>()

/** Computed once per preloaded input (every run of the workload checks against it). */
export function windowedCountsOf(input: PreloadedInput): Map<string, number> {
  let counts = windowed.get(input)
  if (!counts) {
    counts = windowedCounts(input.shape)
    windowed.set(input, counts)
  }
  return counts
}

/**
 * One deposit event per deposit, a debit and a credit per transfer (the generator never
 * overdraws, so nothing is rejected); each account's balances form a chain; the final balances
 * add up to the deposits. The same rules as examples/bank-transfers/expected.ts, streamed.
 */
function bank(input: PreloadedInput): Validator {
  const totals = input.bank
  if (!totals) throw new Error('Cannot check the bank output: the input was not a bank input')
  const expected = totals.deposits + 2 * totals.transfers
  const events = new Set<string>()
  const balances = new Map<string, number>()
  let chainBreaks = 0
  const found = new Findings(expected)
  const problems = found.problems
  return {
    expected,
    add(record) {
      found.records++
      let event: BankEvent
      try {
        event = JSON.parse(record.value?.toString() ?? '') as BankEvent
      } catch {
        found.note(`not a bank event at ${record.partition}@${record.offset}`)
        return
      }
      const id = `${event.kind}:${event.cause}`
      if (events.has(id)) {
        found.duplicates++
        found.note(`event ${id} appears twice`)
      }
      events.add(id)
      const before = balances.get(event.account) ?? 0
      const delta = event.kind === 'debit' ? -event.amount : event.kind === 'rejected' ? 0 : event.amount
      if (before + delta !== event.balance) chainBreaks++
      balances.set(event.account, event.balance)
    },
    finish() {
      if (events.size < expected) problems.push(`${expected - events.size} events missing from the output`)
      if (events.size > expected) problems.push(`${events.size - expected} unexpected events`)
      if (chainBreaks > 0) problems.push(`${chainBreaks} events break their account's balance chain`)
      const total = [...balances.values()].reduce((a, b) => a + b, 0)
      if (total !== totals.deposited) problems.push(`balances add up to ${total}, deposits to ${totals.deposited}`)
      return found.verdict()
    },
  }
}
