/**
 * PURE: a Kafka record batch (magic 2, uncompressed) encoded into one Buffer. kafkajs builds a
 * 511-byte Encoder per record and does its varlong arithmetic on Long objects; profiling the
 * keyed-count benchmark put that (allocations, their garbage collection, Long math) at about a
 * quarter of the worker's CPU. Here sizes are computed first and every record is written into a
 * single allocation.
 *
 *   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32
 *   | attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64
 *   | producerId int64 | producerEpoch int16 | baseSequence int32 | records [count int32, …]
 *
 * Record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint
 *   | key (varint length, -1 for null) | value (same) | headers (varint count, then key, value).
 * The CRC-32C covers everything from attributes to the end; @node-rs/crc32 computes it with the
 * CPU's CRC instructions (kafkajs's table loop ran at about 400 MB/s: 8% of the bank job's CPU).
 */
import { crc32c } from '@node-rs/crc32'

export interface BatchRecord {
  key: Buffer | null
  value: Buffer | null
  headers?: Record<string, Buffer | string> | undefined
  /** Set by the writer before a record is batched. */
  timestamp?: number | undefined
}

export interface BatchHeader {
  producerId: string
  producerEpoch: number
  baseSequence: number
  transactional: boolean
}

const TRANSACTIONAL = 0x10
/** Bytes from baseOffset through the record count. */
const BATCH_OVERHEAD = 61
/** Where the CRC-covered part starts: after baseOffset, batchLength, leaderEpoch, magic, crc. */
const CRC_START = 21

export function encodeRecordBatch(header: BatchHeader, records: readonly BatchRecord[]): Buffer {
  if (records.length === 0) throw new RangeError('Cannot encode an empty record batch')
  let baseTimestamp = records[0]!.timestamp ?? 0
  let maxTimestamp = baseTimestamp
  for (const r of records) {
    const t = r.timestamp ?? 0
    if (t < baseTimestamp) baseTimestamp = t
    if (t > maxTimestamp) maxTimestamp = t
  }
  const encoded = records.map((r, i) => planRecord(r, i, (r.timestamp ?? 0) - baseTimestamp))
  const size = BATCH_OVERHEAD + encoded.reduce((sum, e) => sum + e.total, 0)
  const buf = Buffer.allocUnsafe(size)
  let o = 0
  o = buf.writeBigInt64BE(0n, o) // baseOffset: the broker assigns offsets
  o = buf.writeInt32BE(size - 12, o) // batchLength: what follows this field
  o = buf.writeInt32BE(-1, o) // partitionLeaderEpoch: set by the broker
  o = buf.writeInt8(2, o) // magic
  o += 4 // crc, written last
  o = buf.writeInt16BE(header.transactional ? TRANSACTIONAL : 0, o)
  o = buf.writeInt32BE(records.length - 1, o)
  o = buf.writeBigInt64BE(BigInt(baseTimestamp), o)
  o = buf.writeBigInt64BE(BigInt(maxTimestamp), o)
  o = buf.writeBigInt64BE(BigInt(header.producerId), o)
  o = buf.writeInt16BE(header.producerEpoch, o)
  o = buf.writeInt32BE(header.baseSequence, o)
  o = buf.writeInt32BE(records.length, o)
  for (const e of encoded) o = writeRecord(buf, o, e)
  if (o !== size) throw new Error(`Record batch size mismatch: planned ${size} bytes, wrote ${o}`)
  buf.writeUInt32BE(crc32c(buf.subarray(CRC_START)), CRC_START - 4)
  return buf
}

interface PlannedRecord {
  record: BatchRecord
  offsetDelta: number
  timestampDelta: number
  headers: [Buffer, Buffer][]
  /** The record's body size (what its length prefix says). */
  body: number
  /** Length prefix plus body. */
  total: number
}

function planRecord(record: BatchRecord, offsetDelta: number, timestampDelta: number): PlannedRecord {
  const headers = record.headers ? headerPairs(record.headers) : NO_HEADERS
  let body = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + bytesSize(record.key) + bytesSize(record.value)
  body += varintSize(headers.length)
  for (const [k, v] of headers) body += bytesSize(k) + bytesSize(v)
  return { record, offsetDelta, timestampDelta, headers, body, total: varintSize(body) + body }
}

const NO_HEADERS: [Buffer, Buffer][] = []

function headerPairs(headers: Record<string, Buffer | string>): [Buffer, Buffer][] {
  const pairs: [Buffer, Buffer][] = []
  for (const k in headers) {
    const v = headers[k]!
    pairs.push([Buffer.from(k), typeof v === 'string' ? Buffer.from(v) : v])
  }
  return pairs
}

function writeRecord(buf: Buffer, at: number, e: PlannedRecord): number {
  let o = writeVarlong(buf, at, e.body)
  o = buf.writeInt8(0, o) // attributes: unused
  o = writeVarlong(buf, o, e.timestampDelta)
  o = writeVarlong(buf, o, e.offsetDelta)
  o = writeBytes(buf, o, e.record.key)
  o = writeBytes(buf, o, e.record.value)
  o = writeVarlong(buf, o, e.headers.length)
  for (const [k, v] of e.headers) {
    o = writeBytes(buf, o, k)
    o = writeBytes(buf, o, v)
  }
  return o
}

function bytesSize(b: Buffer | null): number {
  return b === null ? 1 : varintSize(b.length) + b.length
}

function writeBytes(buf: Buffer, at: number, b: Buffer | null): number {
  if (b === null) return writeVarlong(buf, at, -1)
  const o = writeVarlong(buf, at, b.length)
  b.copy(buf, o)
  return o + b.length
}

/** Zigzag, as Kafka's varint and varlong: 0 → 0, -1 → 1, 1 → 2, … (safe for |n| < 2^52). */
function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1
}

export function varintSize(n: number): number {
  return varlongSize(n)
}

export function varlongSize(n: number): number {
  let z = zigzag(n)
  let size = 1
  while (z >= 0x80) {
    z = Math.floor(z / 128)
    size++
  }
  return size
}

/** Writes `n` zigzag-encoded, 7 bits per byte, low bits first; arithmetic, so beyond 32 bits too. */
export function writeVarlong(buf: Buffer, at: number, n: number): number {
  let z = zigzag(n)
  let o = at
  while (z >= 0x80) {
    buf[o++] = (z % 128) | 0x80
    z = Math.floor(z / 128)
  }
  buf[o++] = z
  return o
}
