/**
 * PURE: which records go into the next Produce requests of a transaction writer.
 *
 * Rules, in the order they apply:
 * - at most one request in flight per broker, and at most one batch in flight per partition
 *   (kafkajs cannot pipeline idempotent batches safely, so per-partition order rests on this);
 * - a batch that failed with a retriable error is resent unchanged (same records, same first
 *   sequence) before anything newer of its partition, so the broker can deduplicate it;
 * - otherwise a partition contributes the longest prefix of its queue that fits `maxBatchBytes`
 *   (at least one record, however large: the broker then decides);
 * - a request takes partitions in the given order while they fit `maxRequestBytes` (at least
 *   one); the rest wait for the next request to that broker;
 * - partitions without a known leader wait (the writer refreshes metadata).
 */

export interface ProduceLimits {
  maxBatchBytes: number
  maxRequestBytes: number
}

export interface PartitionForPlan {
  key: string
  /** Node id of the leader; undefined or negative while unknown. */
  leader: number | undefined
  inFlight: boolean
  /** Byte size of a failed batch that must be resent unchanged, if any. */
  retryBytes: number | undefined
  /** Estimated byte size of each queued record, oldest first. */
  queuedSizes: readonly number[]
}

export interface PlannedBatch {
  key: string
  /** The failed batch again, unchanged. */
  retry: boolean
  /** Records taken from the head of the queue (0 for a retry). */
  count: number
  bytes: number
}

export interface PlannedRequest {
  leader: number
  batches: PlannedBatch[]
}

/** Per record batch: header (61 bytes) plus the partition's entry in the request. */
export const BATCH_OVERHEAD_BYTES = 61 + 8

export function planProduceRequests(
  partitions: Iterable<PartitionForPlan>,
  busyBrokers: ReadonlySet<number>,
  limits: ProduceLimits,
): PlannedRequest[] {
  const requests = new Map<number, { batches: PlannedBatch[]; bytes: number }>()
  for (const p of partitions) {
    if (p.inFlight || p.leader === undefined || p.leader < 0 || busyBrokers.has(p.leader)) continue
    const batch = nextBatch(p, limits.maxBatchBytes)
    if (!batch) continue
    const request = requests.get(p.leader) ?? { batches: [], bytes: 0 }
    if (request.batches.length > 0 && request.bytes + batch.bytes > limits.maxRequestBytes) continue
    request.batches.push(batch)
    request.bytes += batch.bytes
    requests.set(p.leader, request)
  }
  return [...requests].map(([leader, { batches }]) => ({ leader, batches }))
}

function nextBatch(p: PartitionForPlan, maxBatchBytes: number): PlannedBatch | undefined {
  if (p.retryBytes !== undefined) return { key: p.key, retry: true, count: 0, bytes: p.retryBytes }
  const sizes = p.queuedSizes
  if (sizes.length === 0) return undefined
  let bytes = BATCH_OVERHEAD_BYTES + sizes[0]!
  let count = 1
  while (count < sizes.length && bytes + sizes[count]! <= maxBatchBytes) {
    bytes += sizes[count]!
    count++
  }
  return { key: p.key, retry: false, count, bytes }
}

/** Upper estimate of a record's encoded size: varint lengths, attributes, deltas, headers. */
export function estimateRecordBytes(record: {
  key: Uint8Array | null
  value: Uint8Array | null
  headers?: Readonly<Record<string, Uint8Array | string>>
}): number {
  let size = 21 + (record.key?.length ?? 0) + (record.value?.length ?? 0)
  const headers = record.headers
  if (headers === undefined) return size
  for (const name in headers) {
    const value = headers[name]!
    size += 10 + utf8Length(name) + (typeof value === 'string' ? utf8Length(value) : value.length)
  }
  return size
}

/** UTF-8 byte length of a string, without Buffer (this module stays free of Node APIs). */
function utf8Length(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}
