/**
 * One slice of the slot loop: each record through its task, what the tasks emit collected for
 * the open transaction, and each task's position and lag moved. Positions move past control
 * records and aborted data too, which produce no records. Then the wall clock moves for every
 * task, records or not: idle partitions, processing-time timers, time-to-live.
 */
import type { OutgoingRecord } from '../kafka/kafka-client.ts'
import { partitionKey } from '../kafka/kafka-client.ts'
import type { SourceSlice } from '../source/source-reader.ts'
import type { Task } from '../task/task.ts'
import type { SlotMetrics } from './slot-deps.ts'

/** Records behind the last stable offset per source partition, as the last fetch of each saw it. */
export class SlotLag {
  readonly #byPartition = new Map<string, number>()

  set(tp: { topic: string; partition: number }, behind: number): void {
    this.#byPartition.set(partitionKey(tp), behind)
  }

  total(): number {
    let lag = 0
    for (const behind of this.#byPartition.values()) lag += behind
    return lag
  }
}

/** Processes `slice` into `out`; returns the number of source records it held. */
export function processSlice(
  slice: SourceSlice,
  tasks: ReadonlyMap<number, Task>,
  out: OutgoingRecord[],
  lag: SlotLag,
  metrics: SliceMetrics,
  now: number,
): number {
  let records = 0
  // Every partition with records is active before any is processed: an idle one that returns
  // holds the watermark from the start of the slice, not from wherever its part comes.
  for (const part of slice.parts) if (part.records.length > 0) tasks.get(part.partition)!.sawRecords(part.topic, now)
  for (const part of slice.parts) {
    const task = tasks.get(part.partition)!
    for (const record of part.records) task.process(record, out)
    if (part.nextOffset !== undefined && part.nextOffset > (task.offsets.get(part.topic) ?? 0n))
      task.offsets.set(part.topic, part.nextOffset)
    const behind = Math.max(0, Number(part.lastStableOffset - (task.offsets.get(part.topic) ?? 0n)))
    metrics.partitionLag.set({ topic: part.topic, partition: String(part.partition) }, behind)
    lag.set(part, behind)
    records += part.records.length
    metrics.recordsIn.inc(part.records.length)
  }
  for (const task of tasks.values()) {
    task.advanceTime(now, out)
    exportCounts(task, metrics)
  }
  return records
}

type SliceMetrics = Pick<
  SlotMetrics,
  'deadLetters' | 'partitionLag' | 'recordsIn' | 'timersFired' | 'stateExpired' | 'recordsDropped' | 'watermark'
>

function exportCounts(task: Task, metrics: SliceMetrics): void {
  const counts = task.takeCounts()
  if (counts.deadLetters > 0) metrics.deadLetters.inc(counts.deadLetters)
  if (counts.timersFired > 0) metrics.timersFired.inc(counts.timersFired)
  if (counts.stateExpired > 0) metrics.stateExpired.inc(counts.stateExpired)
  for (const [reason, n] of counts.dropped) metrics.recordsDropped.inc({ reason }, n)
  const watermark = task.time.watermarks.current
  if (Number.isFinite(watermark)) metrics.watermark.set({ partition: String(task.partition) }, watermark / 1000)
}
