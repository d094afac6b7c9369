/**
 * Where a task that never checkpointed starts reading (`kafka.source.startFrom` and its
 * `startFromTimestamp` / `startFromOffsets` refinements): an explicit offset for the partitions
 * that have one, else the first record at or after the timestamp (the end of a partition with
 * none), else the earliest or latest offset. Used on a job's first start only: once a task has a
 * checkpoint, its offsets come from there.
 */
import type { KafkaClient, Offset, TopicPartition } from '../kafka/kafka-client.ts'
import { partitionKey } from '../kafka/kafka-client.ts'

export interface StartPosition {
  startFrom: 'earliest' | 'latest'
  /** Epoch ms: start at each partition's first record at or after it. */
  timestampMs?: number | undefined
  /** `topic/partition` → offset (decimal): start exactly there. */
  offsets?: Readonly<Record<string, string>> | undefined
}

export async function startOffsets(
  kafka: Pick<KafkaClient, 'listOffsets'>,
  partitions: readonly TopicPartition[],
  position: StartPosition,
): Promise<Map<string, Offset>> {
  const result = new Map<string, Offset>()
  const rest: TopicPartition[] = []
  for (const tp of partitions) {
    const explicit = position.offsets?.[partitionKey(tp)]
    if (explicit === undefined) rest.push(tp)
    else result.set(partitionKey(tp), BigInt(explicit))
  }
  if (rest.length === 0) return result
  if (position.timestampMs === undefined) {
    for (const [key, offset] of await kafka.listOffsets(rest, position.startFrom)) result.set(key, offset)
    return result
  }
  const atTime = await kafka.listOffsets(rest, { timestamp: position.timestampMs })
  // No record at or after the time yet: the partition starts at its end, where the next one goes.
  const none = rest.filter((tp) => (atTime.get(partitionKey(tp)) ?? -1n) < 0n)
  const latest = none.length > 0 ? await kafka.listOffsets(none, 'latest') : new Map<string, Offset>()
  for (const tp of rest) {
    const key = partitionKey(tp)
    const at = atTime.get(key) ?? -1n
    result.set(key, at >= 0n ? at : (latest.get(key) ?? 0n))
  }
  return result
}
