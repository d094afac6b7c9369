/** Small helpers over kafkajs's public API for integration tests (topics, read-all). */
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'

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
    const deadline = Date.now() + 30_000
    for (;;) {
      const led = await admin
        .fetchTopicMetadata({ topics: [topic] })
        .then((m) => m.topics[0]?.partitions.filter((p) => p.leader >= 0).length === partitions)
        .catch(() => false)
      if (led) break
      if (Date.now() > deadline) throw new Error(`Topic "${topic}" has no leader for every partition after 30 s`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } finally {
    await admin.disconnect()
  }
}

export interface ReadRecord {
  partition: number
  offset: string
  key: string | null
  value: string | null
}

/**
 * Reads `topic` from the beginning until `until` says it has what it needs, or `timeoutMs`
 * passes. `readUncommitted` shows records of open and aborted transactions too.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  until: (records: ReadRecord[]) => boolean,
  options: { readUncommitted?: boolean; timeoutMs?: number } = {},
): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({
    groupId: `reader-${randomUUID()}`,
    readUncommitted: options.readUncommitted ?? false,
  })
  const records: ReadRecord[] = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    let done: () => void = () => {}
    const finished = new Promise<void>((resolve) => {
      done = resolve
    })
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        records.push({
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
        })
        if (until(records)) done()
      },
    })
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, options.timeoutMs ?? 20_000))
    await Promise.race([finished, timeout])
  } finally {
    await consumer.disconnect()
  }
  return records
}

/** Produces `count` records from `make(i)` in batches of `batch`, pausing `pauseMs` between batches. */
export async function produceSlowly(
  kafka: Kafka,
  topic: string,
  count: number,
  make: (i: number) => { key: string; value: string },
  options: { batch: number; pauseMs: number; signal?: AbortSignal },
): Promise<number> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  let sent = 0
  try {
    while (sent < count && !options.signal?.aborted) {
      const n = Math.min(options.batch, count - sent)
      const messages = Array.from({ length: n }, (_, j) => make(sent + j))
      // Tests restart the broker under this feeder: keep trying for a while. A batch sent twice
      // is harmless, since the expected output is computed from the input actually in the topic.
      for (let tries = 0; ; tries++) {
        try {
          await producer.send({ topic, messages })
          break
        } catch (error) {
          if (tries >= 60) throw error
          await new Promise((resolve) => setTimeout(resolve, 1000))
        }
      }
      sent += n
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs))
    }
  } finally {
    await producer.disconnect()
  }
  return sent
}
