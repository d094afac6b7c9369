/**
 * PURE: turns the records of one partition of a read_committed Fetch response into what the
 * runtime may see, and says where the next fetch starts.
 *
 * We do not use kafkajs's `Batch`/`filterAbortedMessages` for this: it enters at most one
 * aborted transaction per record (two aborted transactions that started before the fetch
 * offset leak the second one's records), and on an empty batch `lastOffset()` jumps to
 * `highWatermark - 1`, past the last stable offset. This follows the Java consumer instead
 * (`CompletedFetch.nextFetchedRecord`), batch by batch:
 * - enter every aborted transaction whose first offset is at or before the batch's last offset;
 * - a control batch holding an ABORT marker ends its producer's aborted transaction; control
 *   batches are never returned;
 * - a transactional batch of a producer inside an aborted transaction is dropped whole;
 * - records before the fetch offset (a batch may start earlier) are dropped;
 * - the next offset is past the last batch seen, whatever was dropped, so a response holding
 *   only markers or aborted data still moves the partition forward.
 */
import type { FetchedRecord, Offset, TopicPartition } from '../kafka-client.ts'
import type { DecodedRecord } from './internals.ts'

export interface ReadCommittedInput extends TopicPartition {
  fetchOffset: Offset
  /** Decoded records in log order; records of one batch share one `batchContext`. */
  records: readonly DecodedRecord[]
  abortedTransactions: readonly { producerId: string; firstOffset: string }[] | null
}

export interface ReadCommittedResult {
  records: FetchedRecord[]
  nextOffset: Offset
}

/** Control record keys are `version: int16, type: int16`; type 0 is ABORT, 1 is COMMIT. */
const ABORT_MARKER_TYPE = 0

export function readCommitted(input: ReadCommittedInput): ReadCommittedResult {
  const aborted = [...(input.abortedTransactions ?? [])]
    .map((t) => ({ producerId: t.producerId, firstOffset: BigInt(t.firstOffset) }))
    .sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0))
  const abortedProducers = new Set<string>()
  const records: FetchedRecord[] = []
  let nextOffset = input.fetchOffset

  for (const batch of batches(input.records)) {
    const context = batch[0]!.batchContext
    const lastOffset = BigInt(context.firstOffset) + BigInt(context.lastOffsetDelta)
    if (lastOffset + 1n > nextOffset) nextOffset = lastOffset + 1n
    while (aborted.length > 0 && aborted[0]!.firstOffset <= lastOffset) {
      abortedProducers.add(aborted.shift()!.producerId)
    }
    if (context.isControlBatch) {
      if (batch.some(isAbortMarker)) abortedProducers.delete(context.producerId)
      continue
    }
    if (context.inTransaction && abortedProducers.has(context.producerId)) continue
    for (const record of batch) {
      const offset = BigInt(record.offset)
      if (offset >= input.fetchOffset) records.push(toFetchedRecord(input, record, offset))
    }
  }
  return { records, nextOffset }
}

/** Splits records into their record batches (consecutive records sharing a batch context). */
function batches(records: readonly DecodedRecord[]): DecodedRecord[][] {
  const result: DecodedRecord[][] = []
  let current: DecodedRecord[] = []
  for (const record of records) {
    const previous = current[0]
    if (previous && previous.batchContext.firstOffset !== record.batchContext.firstOffset) {
      result.push(current)
      current = []
    }
    current.push(record)
  }
  if (current.length > 0) result.push(current)
  return result
}

function isAbortMarker(record: DecodedRecord): boolean {
  return record.key !== null && record.key.length >= 4 && record.key.readInt16BE(2) === ABORT_MARKER_TYPE
}

function toFetchedRecord(tp: TopicPartition, record: DecodedRecord, offset: Offset): FetchedRecord {
  const headers: Record<string, Buffer> = {}
  for (const [name, value] of Object.entries(record.headers)) {
    // A repeated header name decodes as an array; the interface keeps one value: the last.
    // A null header value becomes an empty buffer, so the name stays visible.
    const last = Array.isArray(value) ? value[value.length - 1] : value
    headers[name] = last ?? Buffer.alloc(0)
  }
  return {
    topic: tp.topic,
    partition: tp.partition,
    offset,
    key: record.key,
    value: record.value,
    headers,
    timestamp: Number(record.timestamp),
  }
}
