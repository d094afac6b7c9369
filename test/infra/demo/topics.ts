/** Creates the demo's topics on the stack's broker (what `kafka-topics.sh --create` does). */
import { Kafka, logLevel } from 'kafkajs'

export async function createTopics(bootstrap: string, topics: readonly string[], partitions: number): Promise<void> {
  const admin = new Kafka({ clientId: 'exactly-demo-admin', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      waitForLeaders: true,
    })
  } finally {
    await admin.disconnect()
  }
}
