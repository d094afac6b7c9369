/** Creates the demo's topics on the stack's broker (what `kafka-topics.sh --create` does). */
import { createNamedTopic, kafkaFor } from '../topics.ts'

export async function createTopics(bootstrap: string, topics: readonly string[], partitions: number): Promise<void> {
  const kafka = kafkaFor(bootstrap, 'exactly-demo-admin')
  for (const topic of topics) await createNamedTopic(kafka, topic, partitions)
}
