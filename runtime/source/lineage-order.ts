/**
 * The order a job processed its committed input in, from its committed lineage (lineage.ts),
 * and what the lineage itself shows went wrong. Per task and source partition the runs must
 * follow one another: a run that starts before the previous one ended means committed
 * transactions processed those records twice (a duplication, whatever the output shows); one
 * that starts after it means records between were never processed (a loss). Input past the
 * last run is pending: the job has not processed it yet. Input before a partition's first run
 * is where the job started (spec.kafka.source.startFrom), not a finding.
 */
import type { FetchedRecord } from '../kafka/kafka-client.ts'
import type { LineageEntry } from './lineage.ts'

export interface LineageGap {
  topic: string
  partition: number
  from: bigint
  to: bigint
  /** Committed input records in [from, to). */
  records: number
}

export interface LineageOrder {
  /** Per task, its input records in the order it processed them, each once. */
  tasks: Map<number, FetchedRecord[]>
  runs: number
  /** Records committed transactions processed more than once. */
  reprocessed: LineageGap[]
  /** Records a later run skipped over. */
  skipped: LineageGap[]
  /** Records past each partition's last run (or in partitions with no run at all). */
  pending: LineageGap[]
  /** Records before each partition's first run. */
  notRead: number
}

/** `input`: every committed record of the job's source topics; `lineage`: its entries in read order. */
export function orderByLineage(input: readonly FetchedRecord[], lineage: readonly LineageEntry[]): LineageOrder {
  const logs = new Map<string, FetchedRecord[]>()
  for (const record of input) {
    const key = `${record.topic}/${record.partition}`
    const log = logs.get(key) ?? []
    logs.set(key, log)
    log.push(record)
  }
  for (const log of logs.values()) log.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))

  const order: LineageOrder = { tasks: new Map(), runs: 0, reprocessed: [], skipped: [], pending: [], notRead: 0 }
  const cursors = new Map<string, bigint>()
  const gap = (topic: string, partition: number, from: bigint, to: bigint): LineageGap => ({
    topic,
    partition,
    from,
    to,
    records: between(logs.get(`${topic}/${partition}`) ?? [], from, to).length,
  })
  for (const entry of lineage) {
    const processed = order.tasks.get(entry.task) ?? []
    order.tasks.set(entry.task, processed)
    for (const run of entry.runs) {
      order.runs++
      const key = `${run.topic}/${entry.task}`
      const log = logs.get(key) ?? []
      const cursor = cursors.get(key)
      let from = run.from
      if (cursor === undefined) order.notRead += between(log, 0n, run.from).length
      else if (run.from > cursor) {
        // Offsets with no committed record between (transaction markers, aborted data) are no gap.
        const skipped = gap(run.topic, entry.task, cursor, run.from)
        if (skipped.records > 0) order.skipped.push(skipped)
      } else if (run.from < cursor) {
        order.reprocessed.push(gap(run.topic, entry.task, run.from, min(run.to, cursor)))
        from = cursor
      }
      for (const record of between(log, from, run.to)) processed.push(record)
      cursors.set(key, cursor === undefined || run.to > cursor ? run.to : cursor)
    }
  }
  for (const [key, log] of logs) {
    const last = log[log.length - 1]!
    const cursor = cursors.get(key) ?? 0n
    if (last.offset >= cursor) order.pending.push(gap(last.topic, last.partition, cursor, last.offset + 1n))
  }
  return order
}

/** The records of a log sorted by offset with from <= offset < to. */
function between(log: readonly FetchedRecord[], from: bigint, to: bigint): FetchedRecord[] {
  const start = firstAtOrAfter(log, from)
  const end = firstAtOrAfter(log, to)
  return log.slice(start, end)
}

function firstAtOrAfter(log: readonly FetchedRecord[], offset: bigint): number {
  let lo = 0
  let hi = log.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (log[mid]!.offset < offset) lo = mid + 1
    else hi = mid
  }
  return lo
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}
