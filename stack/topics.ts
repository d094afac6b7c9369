/**
 * Topics on the stack's broker, over kafkajs's public API: what `kafka-topics.sh --create` does,
 * for the demo, the tests and the benchmark. A topic is usable once every partition has a leader.
 */
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
import { waitFor } from './wait.ts'

export function kafkaFor(bootstrap: string, clientId = 'exactly-test'): Kafka {
  return new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING })
}

export async function createTopic(kafka: Kafka, prefix: string, partitions = 1): Promise<string> {
  const topic = `${prefix}-${randomUUID().slice(0, 8)}`
  await createNamedTopic(kafka, topic, partitions)
  return topic
}

/** Creates `topic` and returns once every partition has a leader. */
export async function createNamedTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      // kafkajs's own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a busy broker answers
      // for a moment after the topic was created: wait for the leaders ourselves.
      waitForLeaders: false,
    })
    await waitFor(
      `topic "${topic}" has a leader for every partition`,
      async () =>
        (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.filter((p) => p.leader >= 0)
          .length === partitions,
      30_000,
      { intervalMs: 100 },
    )
  } finally {
    await admin.disconnect()
  }
}
