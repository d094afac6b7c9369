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
import type { FetchedRecord, Offset } from '../kafka-client.ts'
import type { DecodedBatch } from './record-batch-decoder.ts'

export interface ReadCommittedInput {
  fetchOffset: Offset
  /** The partition's record batches in log order. */
  batches: readonly DecodedBatch[]
  abortedTransactions: readonly { producerId: bigint; firstOffset: bigint }[]
}

export interface ReadCommittedResult {
  records: FetchedRecord[]
  nextOffset: Offset
}

/** Control record keys are `version: int16, type: int16`; type 0 is ABORT, 1 is COMMIT. */
const ABORT_MARKER_TYPE = 0

export function readCommitted(input: ReadCommittedInput): ReadCommittedResult {
  const aborted = [...input.abortedTransactions].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  )
  const abortedProducers = new Set<bigint>()
  const records: FetchedRecord[] = []
  let nextOffset = input.fetchOffset

  for (const batch of input.batches) {
    const lastOffset = batch.baseOffset + BigInt(batch.lastOffsetDelta)
    if (lastOffset + 1n > nextOffset) nextOffset = lastOffset + 1n
    while (aborted.length > 0 && aborted[0]!.firstOffset <= lastOffset) {
      abortedProducers.add(aborted.shift()!.producerId)
    }
    if (batch.isControl) {
      if (batch.records.some(isAbortMarker)) abortedProducers.delete(batch.producerId)
      continue
    }
    if (batch.inTransaction && abortedProducers.has(batch.producerId)) continue
    if (batch.baseOffset >= input.fetchOffset) {
      for (const record of batch.records) records.push(record)
    } else {
      for (const record of batch.records) if (record.offset >= input.fetchOffset) records.push(record)
    }
  }
  return { records, nextOffset }
}

function isAbortMarker(record: FetchedRecord): boolean {
  return record.key !== null && record.key.length >= 4 && record.key.readInt16BE(2) === ABORT_MARKER_TYPE
}
