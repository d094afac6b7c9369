/** Topic metadata through the kafkajs cluster: partition counts and partition leaders. */
import { partitionKey, type TopicPartition } from '../kafka-client.ts'
import { UnknownTopicError } from '../kafka-errors.ts'
import { classifyKafkaError } from './classify-error.ts'
import { groupByLeader } from './group-by-leader.ts'
import type { KafkajsCluster } from './internals.ts'

/**
 * Thrown when a partition has no leader right now; it carries Kafka's LEADER_NOT_AVAILABLE code
 * so the retry loops treat it like the broker's answer (refresh metadata, try again).
 */
export class LeaderNotAvailable extends Error {
  override name = 'LeaderNotAvailable'
  readonly type = 'LEADER_NOT_AVAILABLE'
  readonly code = 5
}

/** Loads metadata for `topics` unless cached; a missing topic becomes `UnknownTopicError`. */
export async function ensureTopics(cluster: KafkajsCluster, topics: Iterable<string>, action: string): Promise<void> {
  const unique = [...new Set(topics)]
  try {
    await cluster.addMultipleTargetTopics(unique)
  } catch (error) {
    if (classifyKafkaError(error).kind !== 'unknownTopic') throw error
    // kafkajs fails the whole metadata request; name the topics that are actually missing.
    const missing = await missingTopics(cluster, unique)
    const topic = missing[0] ?? unique[0] ?? ''
    throw new UnknownTopicError(`${action}: topic "${topic}" does not exist`, topic, { cause: error })
  }
}

async function missingTopics(cluster: KafkajsCluster, topics: string[]): Promise<string[]> {
  const missing: string[] = []
  for (const topic of topics) {
    try {
      await cluster.addMultipleTargetTopics([topic])
    } catch {
      missing.push(topic)
    }
  }
  return missing
}

/** Partition count from fresh metadata. */
export async function partitionCount(cluster: KafkajsCluster, topic: string): Promise<number> {
  await ensureTopics(cluster, [topic], `Cannot count partitions of "${topic}"`)
  await cluster.refreshMetadata()
  return cluster.findTopicPartitionMetadata(topic).length
}

/**
 * The leader of each partition, from cached metadata (refreshed once if a partition is unknown,
 * e.g. just added). Throws `UnknownTopicError` for a partition the topic does not have and
 * `LeaderNotAvailable` while a partition has no leader.
 */
export async function partitionsByLeader<T extends TopicPartition>(
  cluster: KafkajsCluster,
  items: readonly T[],
  action: string,
): Promise<Map<number, T[]>> {
  await ensureTopics(
    cluster,
    items.map((i) => i.topic),
    action,
  )
  if (items.some((i) => leaderOf(cluster, i) === undefined)) await cluster.refreshMetadata()
  return groupByLeader(items, (item) => {
    const leader = leaderOf(cluster, item)
    if (leader === undefined) {
      throw new UnknownTopicError(`${action}: topic "${item.topic}" has no partition ${item.partition}`, item.topic)
    }
    if (leader < 0) throw new LeaderNotAvailable(`${action}: partition "${partitionKey(item)}" has no leader`)
    return leader
  })
}

/** The cached leader: a node id, -1 while there is none, undefined if the partition is unknown. */
export function leaderOf(cluster: KafkajsCluster, tp: TopicPartition): number | undefined {
  return cluster.findTopicPartitionMetadata(tp.topic).find((p) => p.partitionId === tp.partition)?.leader
}
