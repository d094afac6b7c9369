/**
 * Output partitioning compatible with Kafka's Java client: murmur2 of the key bytes, made
 * positive, modulo the partition count. Records without a key go to the source partition
 * (modulo the count), which keeps replays after a failure deterministic.
 */

export function partitionForKey(key: Buffer | null, partitions: number, sourcePartition: number): number {
  if (key === null) return sourcePartition % partitions
  return (murmur2(key) & 0x7fffffff) % partitions
}

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2): seed 0x9747b28c, signed 32-bit result. */
export function murmur2(data: Uint8Array): number {
  const length = data.length
  const m = 0x5bd1e995
  const r = 24
  let h = (0x9747b28c ^ length) | 0
  const fours = length >> 2
  for (let i = 0; i < fours; i++) {
    const o = i * 4
    let k =
      (data[o]! & 0xff) | ((data[o + 1]! & 0xff) << 8) | ((data[o + 2]! & 0xff) << 16) | ((data[o + 3]! & 0xff) << 24)
    k = Math.imul(k, m)
    k ^= k >>> r
    k = Math.imul(k, m)
    h = Math.imul(h, m)
    h ^= k
  }
  const tail = fours * 4
  const rest = length % 4
  if (rest === 3) h ^= (data[tail + 2]! & 0xff) << 16
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8
  if (rest >= 1) {
    h ^= data[tail]! & 0xff
    h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h | 0
}
