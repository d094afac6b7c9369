/**
 * Counts the committed records of the events topic as they appear, the way a read_committed
 * consumer sees them (records of open or aborted transactions are not counted). No consumer
 * group: it fetches every partition from its own offsets.
 */
import type { KafkaClient } from '../../runtime/kafka/kafka-client.ts'
import { KafkajsClient } from '../../runtime/kafka/kafkajs/kafkajs-client.ts'

export interface EventCounter {
  readonly committed: number
  stop(): Promise<void>
}

export async function startEventCounter(bootstrap: string, topic: string): Promise<EventCounter> {
  const client: KafkaClient = new KafkajsClient({ brokers: [bootstrap], clientId: 'exactly-demo-counter' })
  await client.connect()
  const partitions = await client.partitionCount(topic)
  const offsets = Array.from({ length: partitions }, () => 0n)
  let committed = 0
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      try {
        const parts = await client.fetch(
          offsets.map((offset, partition) => ({ topic, partition, offset })),
          { maxWaitMs: 500, maxBytesPerPartition: 1 << 20 },
        )
        for (const part of parts) {
          committed += part.records.length
          if (part.nextOffset > offsets[part.partition]!) offsets[part.partition] = part.nextOffset
        }
      } catch {
        // The broker may be busy or briefly away; the next round tries again.
      }
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  })()
  return {
    get committed() {
      return committed
    },
    async stop() {
      stopped = true
      await loop
      await client.close().catch(() => {})
    },
  }
}
