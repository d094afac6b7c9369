/**
 * Lineage: which source records each task processed, in which order, written into the same
 * Kafka transaction as the output they led to (spec.kafka.sink.lineageTopic). A task reading
 * several topics interleaves them as records arrive, so its output can depend on an order no
 * audit could guess; the committed lineage records are that order, and they are committed if
 * and only if the output of the same slices is. `exactly verify --job --lineage` replays the job
 * in that order (lineage-order.ts).
 *
 * One record per task and slice with records: key `task-<n>`, partition n mod the lineage
 * topic's partition count (so a task's records keep their order), value
 * `{"v":1,"task":n,"runs":[[topic,from,to],...]}` where a run is the records of
 * topic/partition n at offsets from (inclusive) to to (exclusive), in processing order.
 */
import type { OutgoingRecord } from '../kafka/kafka-client.ts'
import type { SourceSlice } from './source-reader.ts'

export const LINEAGE_FORMAT = 1

/** The records of `topic`, partition = the task, at offsets `from` (inclusive) to `to` (exclusive). */
export interface LineageRun {
  topic: string
  from: bigint
  to: bigint
}

export interface LineageEntry {
  task: number
  runs: LineageRun[]
}

export class LineageFormatError extends Error {
  override name = 'LineageFormatError'
}

/** The slice's lineage, one entry per task that processed records in it, runs in processing order. */
export function sliceLineage(slice: SourceSlice): LineageEntry[] {
  const byTask = new Map<number, LineageRun[]>()
  for (const part of slice.parts) {
    if (part.records.length === 0) continue
    const runs = byTask.get(part.partition) ?? []
    byTask.set(part.partition, runs)
    const from = part.records[0]!.offset
    const to = part.records[part.records.length - 1]!.offset + 1n
    const last = runs[runs.length - 1]
    if (last && last.topic === part.topic && last.to === from) last.to = to
    else runs.push({ topic: part.topic, from, to })
  }
  return [...byTask].map(([task, runs]) => ({ task, runs }))
}

/** The slice's lineage as records for `topic` (with `partitions` partitions), to write with its output. */
export function lineageRecords(slice: SourceSlice, topic: string, partitions: number): OutgoingRecord[] {
  return sliceLineage(slice).map((entry) => ({
    topic,
    partition: entry.task % partitions,
    key: Buffer.from(`task-${entry.task}`),
    value: encodeLineage(entry),
  }))
}

export function encodeLineage(entry: LineageEntry): Buffer {
  const runs = entry.runs.map((r) => [r.topic, r.from.toString(), r.to.toString()])
  return Buffer.from(JSON.stringify({ v: LINEAGE_FORMAT, task: entry.task, runs }))
}

/** Decodes one lineage record's value; `where` names it in the error (topic/partition@offset). */
export function decodeLineage(value: Buffer | null, where: string): LineageEntry {
  let parsed: unknown
  try {
    parsed = JSON.parse(value?.toString() ?? 'null')
  } catch {
    parsed = undefined
  }
  const doc = parsed as { v?: unknown; task?: unknown; runs?: unknown } | undefined
  if (!doc || doc.v !== LINEAGE_FORMAT || !Number.isInteger(doc.task) || !Array.isArray(doc.runs)) {
    throw new LineageFormatError(
      `Cannot read lineage record ${where}: not lineage format ${LINEAGE_FORMAT}; is --lineage the job's spec.kafka.sink.lineageTopic?`,
    )
  }
  const runs = doc.runs.map((run: unknown) => {
    const [topic, from, to] = Array.isArray(run) ? run : []
    if (typeof topic !== 'string' || !isOffset(from) || !isOffset(to) || BigInt(from) >= BigInt(to)) {
      throw new LineageFormatError(
        `Cannot read lineage record ${where}: a run must be [topic, from, to] with from < to`,
      )
    }
    return { topic, from: BigInt(from), to: BigInt(to) }
  })
  return { task: doc.task as number, runs }
}

function isOffset(value: unknown): value is string {
  return typeof value === 'string' && /^\d+$/.test(value)
}
