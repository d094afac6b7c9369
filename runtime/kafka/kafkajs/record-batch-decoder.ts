/**
 * Decodes the record batches (format v2, the only one Kafka 4 stores) of one partition of a
 * Fetch response straight into the runtime's FetchedRecord, the counterpart of
 * `record-batch.ts`. kafkajs's decoder makes every offset and timestamp a string through its
 * Long class and builds an intermediate message per record; at a few hundred thousand records a
 * second that was about a tenth of the worker's CPU and a good part of its garbage
 * (docs/performance.md). Compressed batches are decompressed by kafkajs's codecs (gzip
 * built in, the others once registered), as before.
 *
 * The response may end in a partial batch (the broker cuts at maxBytes): it is left out, and
 * the next fetch starts at it. Each batch's CRC-32C is checked, as the Java consumer does
 * (check.crcs), so a damaged response fails loudly instead of feeding wrong bytes to a job.
 */
import { crc32c } from '@node-rs/crc32'
import type { FetchedRecord, TopicPartition } from '../kafka-client.ts'
import { lookupCodecByAttributes } from './internals.ts'

export interface DecodedBatch {
  baseOffset: bigint
  lastOffsetDelta: number
  producerId: bigint
  inTransaction: boolean
  isControl: boolean
  records: FetchedRecord[]
}

const TIMESTAMP_TYPE_LOG_APPEND = 0x08
const TRANSACTIONAL = 0x10
const CONTROL = 0x20
const COMPRESSION = 0x07
/** baseOffset (8) + batchLength (4): what must be there to know a batch's size. */
const LENGTH_PREFIX = 12
/** From partitionLeaderEpoch to the record count: 49 bytes of header after the length prefix. */
const HEADER_AFTER_LENGTH = 49
const MAGIC_V2 = 2

export class RecordBatchFormatError extends Error {
  override name = 'RecordBatchFormatError'
}

export async function decodeRecordBatches(buffer: Buffer, tp: TopicPartition): Promise<DecodedBatch[]> {
  const batches: DecodedBatch[] = []
  let at = 0
  while (buffer.length - at >= LENGTH_PREFIX) {
    const length = buffer.readInt32BE(at + 8)
    const end = at + LENGTH_PREFIX + length
    if (length < HEADER_AFTER_LENGTH || end > buffer.length) break
    const magic = buffer.readInt8(at + 16)
    if (magic !== MAGIC_V2) {
      throw new RecordBatchFormatError(
        `Cannot read ${tp.topic}/${tp.partition}: a record batch in message format v${magic}; only v2 (Kafka 0.11+) is supported`,
      )
    }
    if (crc32c(buffer.subarray(at + 21, end)) !== buffer.readUInt32BE(at + 17)) {
      throw new RecordBatchFormatError(
        `Cannot read ${tp.topic}/${tp.partition}: the record batch at offset ${buffer.readBigInt64BE(at)} fails its CRC-32C check (a damaged response)`,
      )
    }
    batches.push(await decodeBatch(buffer, at, end, tp))
    at = end
  }
  return batches
}

async function decodeBatch(buffer: Buffer, at: number, end: number, tp: TopicPartition): Promise<DecodedBatch> {
  const baseOffset = buffer.readBigInt64BE(at)
  const attributes = buffer.readInt16BE(at + 21)
  const lastOffsetDelta = buffer.readInt32BE(at + 23)
  const firstTimestamp = Number(buffer.readBigInt64BE(at + 27))
  const maxTimestamp = Number(buffer.readBigInt64BE(at + 35))
  const producerId = buffer.readBigInt64BE(at + 43)
  const count = buffer.readInt32BE(at + 57)
  const batch: DecodedBatch = {
    baseOffset,
    lastOffsetDelta,
    producerId,
    inTransaction: (attributes & TRANSACTIONAL) !== 0,
    isControl: (attributes & CONTROL) !== 0,
    records: new Array<FetchedRecord>(Math.max(0, count)),
  }
  let body = buffer
  let start = at + 61
  let stop = end
  if ((attributes & COMPRESSION) !== 0) {
    const codec = lookupCodecByAttributes(attributes)
    if (!codec) {
      throw new RecordBatchFormatError(
        `Cannot read ${tp.topic}/${tp.partition}: its records use compression codec ${attributes & COMPRESSION}, which is not available`,
      )
    }
    body = await codec.decompress(buffer.subarray(start, end))
    start = 0
    stop = body.length
  }
  const reader = new Reader(body, start, stop, tp)
  const logAppendTime = (attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0
  for (let i = 0; i < count; i++) {
    const recordEnd = reader.varint() + reader.at
    reader.at++ // record attributes: unused
    const timestampDelta = reader.varlong()
    const offsetDelta = reader.varint()
    const key = reader.bytes()
    const value = reader.bytes()
    const headers: Record<string, Buffer> = {}
    for (let h = reader.varint(); h > 0; h--) {
      const name = reader.bytes()?.toString('utf8') ?? ''
      // A repeated name keeps the last value; a null value becomes empty, so the name stays visible.
      headers[name] = reader.bytes() ?? EMPTY
    }
    reader.at = recordEnd
    batch.records[i] = {
      topic: tp.topic,
      partition: tp.partition,
      offset: baseOffset + BigInt(offsetDelta),
      key,
      value,
      headers,
      timestamp: logAppendTime ? maxTimestamp : firstTimestamp + timestampDelta,
    }
  }
  if (reader.at > stop) throw reader.overrun()
  return batch
}

const EMPTY = Buffer.alloc(0)

/** Varints (zigzag, as the record format has them) and length-prefixed bytes. */
class Reader {
  at: number
  readonly #buffer: Buffer
  readonly #stop: number
  readonly #tp: TopicPartition

  constructor(buffer: Buffer, at: number, stop: number, tp: TopicPartition) {
    this.#buffer = buffer
    this.at = at
    this.#stop = stop
    this.#tp = tp
  }

  varint(): number {
    let value = 0
    let shift = 0
    for (;;) {
      if (this.at >= this.#stop) throw this.overrun()
      const byte = this.#buffer[this.at++]!
      value |= (byte & 0x7f) << shift
      if ((byte & 0x80) === 0) break
      shift += 7
      if (shift > 28) throw this.overrun()
    }
    return (value >>> 1) ^ -(value & 1)
  }

  /** Up to 53 bits, in plain number arithmetic (timestamp deltas). */
  varlong(): number {
    let value = 0
    let scale = 1
    for (;;) {
      if (this.at >= this.#stop) throw this.overrun()
      const byte = this.#buffer[this.at++]!
      value += (byte & 0x7f) * scale
      if ((byte & 0x80) === 0) break
      scale *= 128
      if (scale > 2 ** 56) throw this.overrun()
    }
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2
  }

  bytes(): Buffer | null {
    const length = this.varint()
    if (length < 0) return null
    const end = this.at + length
    if (end > this.#stop) throw this.overrun()
    const bytes = this.#buffer.subarray(this.at, end)
    this.at = end
    return bytes
  }

  overrun(): RecordBatchFormatError {
    return new RecordBatchFormatError(
      `Cannot read ${this.#tp.topic}/${this.#tp.partition}: a record runs past its batch (a damaged response)`,
    )
  }
}
