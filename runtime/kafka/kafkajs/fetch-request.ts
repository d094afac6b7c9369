/**
 * A read_committed Fetch (v11) sent on a kafkajs connection: kafkajs encodes the request and
 * throws partition errors from the answer (its `parse`), as `broker.fetch` would; the answer's
 * record batches are decoded by `record-batch-decoder.ts` into the runtime's records.
 */
import type { TopicPartition } from '../kafka-client.ts'
import { groupByTopic } from './group-by-leader.ts'
import { fetchV11Parse, fetchV11Request, type RawRequest, READ_COMMITTED } from './internals.ts'
import { type DecodedBatch, decodeRecordBatches, RecordBatchFormatError } from './record-batch-decoder.ts'

export interface FetchedPartitionBatches {
  topic: string
  partition: number
  errorCode: number
  highWatermark: bigint
  lastStableOffset: bigint
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[]
  batches: DecodedBatch[]
}

export interface FetchAnswer {
  responses: { topicName: string; partitions: FetchedPartitionBatches[] }[]
}

/** kafkajs adds this to maxWaitTime for the request's own timeout (a fetch may block that long). */
const NETWORK_DELAY_MS = 100

export function fetchRequest(o: {
  maxWaitMs: number
  maxBytes: number
  partitions: ReadonlyArray<TopicPartition & { offset: bigint; maxBytes: number }>
}): RawRequest<FetchAnswer> {
  return {
    request: fetchV11Request({
      replicaId: -1,
      isolationLevel: READ_COMMITTED,
      sessionId: 0,
      sessionEpoch: -1,
      forgottenTopics: [],
      maxWaitTime: o.maxWaitMs,
      minBytes: 1,
      maxBytes: o.maxBytes,
      topics: groupByTopic(o.partitions, (p) => ({
        partition: p.partition,
        fetchOffset: p.offset.toString(),
        maxBytes: p.maxBytes,
      })),
      rackId: '',
    }),
    response: { decode: decodeFetchAnswer, parse: (answer) => fetchV11Parse(answer) as Promise<FetchAnswer> },
    requestTimeout: o.maxWaitMs + NETWORK_DELAY_MS,
  }
}

/**
 * Fetch v11 response: throttle_time_ms int32, error_code int16, session_id int32, then per topic
 * (string) per partition: partition int32, error_code int16, high_watermark, last_stable_offset,
 * log_start_offset int64, aborted_transactions [producer_id int64, first_offset int64],
 * preferred_read_replica int32, records (int32 length, record batches).
 */
export async function decodeFetchAnswer(payload: Buffer): Promise<FetchAnswer> {
  const c = new Cursor(payload)
  c.skip(4 + 2 + 4)
  const responses: FetchAnswer['responses'] = []
  for (let t = c.int32(); t > 0; t--) {
    const topicName = c.string()
    const partitions: FetchedPartitionBatches[] = []
    for (let p = c.int32(); p > 0; p--) {
      const partition = c.int32()
      const errorCode = c.int16()
      const highWatermark = c.int64()
      const lastStableOffset = c.int64()
      c.skip(8) // log_start_offset
      const abortedTransactions: FetchedPartitionBatches['abortedTransactions'] = []
      for (let a = c.int32(); a > 0; a--) abortedTransactions.push({ producerId: c.int64(), firstOffset: c.int64() })
      c.skip(4) // preferred_read_replica
      const records = c.bytes()
      const tp = { topic: topicName, partition }
      const batches = records ? await decodeRecordBatches(records, tp) : []
      partitions.push({
        topic: topicName,
        partition,
        errorCode,
        highWatermark,
        lastStableOffset,
        abortedTransactions,
        batches,
      })
    }
    responses.push({ topicName, partitions })
  }
  return { responses }
}

class Cursor {
  #at = 0
  readonly #buffer: Buffer

  constructor(buffer: Buffer) {
    this.#buffer = buffer
  }

  skip(n: number): void {
    this.#need(n)
    this.#at += n
  }

  int16(): number {
    this.#need(2)
    const v = this.#buffer.readInt16BE(this.#at)
    this.#at += 2
    return v
  }

  int32(): number {
    this.#need(4)
    const v = this.#buffer.readInt32BE(this.#at)
    this.#at += 4
    return v
  }

  int64(): bigint {
    this.#need(8)
    const v = this.#buffer.readBigInt64BE(this.#at)
    this.#at += 8
    return v
  }

  string(): string {
    const length = this.int16()
    if (length < 0) return ''
    this.#need(length)
    const v = this.#buffer.toString('utf8', this.#at, this.#at + length)
    this.#at += length
    return v
  }

  /** int32-length bytes; a length past the end is cut to what is there (the broker's partial tail). */
  bytes(): Buffer | null {
    const length = this.int32()
    if (length < 0) return null
    const end = Math.min(this.#buffer.length, this.#at + length)
    const v = this.#buffer.subarray(this.#at, end)
    this.#at = end
    return v
  }

  #need(n: number): void {
    if (this.#at + n > this.#buffer.length)
      throw new RecordBatchFormatError('Cannot read a Fetch response: it ends early (a damaged response)')
  }
}
