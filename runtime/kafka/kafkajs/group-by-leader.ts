/** PURE: request shaping shared by Fetch, ListOffsets and Produce. */
import type { TopicPartition } from '../kafka-client.ts'

/** Groups partitions (or anything naming one) by the broker that leads it, keeping input order. */
export function groupByLeader<T extends TopicPartition>(
  items: readonly T[],
  leaderOf: (tp: T) => number,
): Map<number, T[]> {
  const groups = new Map<number, T[]>()
  for (const item of items) {
    const leader = leaderOf(item)
    const group = groups.get(leader)
    if (group) group.push(item)
    else groups.set(leader, [item])
  }
  return groups
}

/** The `[{ topic, partitions: [...] }]` shape of Kafka requests, topics in first-seen order. */
export function groupByTopic<T extends TopicPartition, P>(
  items: readonly T[],
  toPartition: (item: T) => P,
): { topic: string; partitions: P[] }[] {
  const topics = new Map<string, P[]>()
  for (const item of items) {
    const partitions = topics.get(item.topic)
    if (partitions) partitions.push(toPartition(item))
    else topics.set(item.topic, [toPartition(item)])
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }))
}
