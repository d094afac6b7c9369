/**
 * Hands the slot its source records in slices, with the next fetch already on its way.
 *
 * Why slices: one fetch answers up to a megabyte per partition, tens of thousands of records.
 * Processed in one go, that is a second during which no barrier can be taken and the
 * checkpoint in flight cannot store or commit (its I/O waits for the event loop). Under
 * exactly-once the commit is what makes a job's own output readable again, so that second
 * is lost twice. A slice is at most `sliceRecords` records; the runner checks the barrier and
 * yields to the event loop between slices (Kafka Streams' max.poll.records plays this part).
 *
 * Why prefetch: the broker reads the next answer on the other core while this one is processed.
 * The prefetch starts at the offsets the current answer ends at, which are exactly where the
 * tasks will stand once its records are processed; records prefetched but not yet processed
 * are never in a checkpoint (checkpoints take the tasks' own offsets), so a barrier between
 * slices, or a stop that drops the prefetch, loses and repeats nothing.
 */
import type { ReadSettings } from '../../contract/defaults.ts'
import type { FetchedPartition, FetchedRecord, FetchRequest, KafkaClient } from '../kafka/kafka-client.ts'

export interface SourceSlice {
  parts: SlicePart[]
  /** Records in this slice, over all parts. */
  records: number
}

export interface SlicePart {
  topic: string
  partition: number
  records: FetchedRecord[]
  /** Set on the last slice of a partition's answer: where the task stands once it is processed. */
  nextOffset?: bigint
  lastStableOffset: bigint
}

interface Buffered {
  part: FetchedPartition
  /** Index of the first record not yet handed out. */
  cursor: number
}

export class SourceReader {
  readonly #kafka: KafkaClient
  readonly #options: ReadSettings
  #buffered: Buffered[] = []
  #prefetch: Promise<FetchedPartition[]> | undefined

  constructor(kafka: KafkaClient, options: ReadSettings) {
    if (!Number.isInteger(options.sliceRecords) || options.sliceRecords < 1) {
      throw new RangeError(`SourceReader: 'sliceRecords' must be a positive integer, got ${options.sliceRecords}`)
    }
    this.#kafka = kafka
    this.#options = options
  }

  /**
   * The next slice. With nothing buffered it takes the prefetched answer, or fetches at
   * `positions()` (waiting at most `maxWaitMs` for data). An empty answer comes back as one
   * slice with no records, so the caller sees each partition's last stable offset.
   */
  async next(positions: () => FetchRequest[], maxWaitMs: number): Promise<SourceSlice> {
    if (this.#buffered.length === 0) {
      const prefetched = this.#prefetch
      this.#prefetch = undefined
      const answer = await (prefetched ?? this.#fetch(positions(), maxWaitMs))
      this.#buffered = answer.map((part) => ({ part, cursor: 0 }))
      // Nothing read: the sources are caught up; the next fetch waits for data with a fresh deadline.
      if (this.#options.prefetch && answer.some((p) => p.records.length > 0)) {
        this.#prefetch = this.#fetch(
          answer.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.nextOffset })),
          maxWaitMs,
        )
      }
    }
    return this.#slice()
  }

  #fetch(requests: FetchRequest[], maxWaitMs: number): Promise<FetchedPartition[]> {
    const fetched = this.#kafka.fetch(requests, {
      maxWaitMs,
      maxBytesPerPartition: this.#options.maxBytesPerPartition,
    })
    // A prefetch the slot never awaits (it stopped or failed first) must not become an unhandled
    // rejection; one it awaits still rejects there.
    fetched.catch(() => {})
    return fetched
  }

  /** Takes up to sliceRecords records, a share of each buffered partition, in fetch order. */
  #slice(): SourceSlice {
    const parts: SlicePart[] = []
    let budget = this.#options.sliceRecords
    let records = 0
    const remaining = this.#buffered.filter((b) => b.cursor < b.part.records.length)
    // Every partition gets a share, so one partition's backlog does not hold up the others.
    const share = Math.max(1, Math.ceil(budget / Math.max(1, remaining.length)))
    for (const buffered of this.#buffered) {
      const { part } = buffered
      const take = Math.min(share, budget, part.records.length - buffered.cursor)
      const end = buffered.cursor + take
      const done = end >= part.records.length
      if (take === 0 && !done) continue
      const slice: SlicePart = {
        topic: part.topic,
        partition: part.partition,
        records: take === part.records.length ? part.records : part.records.slice(buffered.cursor, end),
        lastStableOffset: part.lastStableOffset,
      }
      if (done) slice.nextOffset = part.nextOffset
      parts.push(slice)
      buffered.cursor = end
      budget -= take
      records += take
    }
    this.#buffered = this.#buffered.filter((b) => b.cursor < b.part.records.length)
    return { parts, records }
  }
}
