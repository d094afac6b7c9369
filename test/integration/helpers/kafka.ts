/**
 * Small helpers for integration tests against the broker: clients connected for a suite's tests,
 * and over kafkajs's public API, read a topic, feed one slowly.
 */
import { randomUUID } from 'node:crypto'
import type { Kafka } from 'kafkajs'
import { afterAll, beforeAll } from 'vitest'

/** Connects `clients` (in order) before the tests of the enclosing describe or file, and closes them after. */
export function connectedForTests(...clients: ReadonlyArray<{ connect(): Promise<void>; close(): Promise<void> }>) {
  beforeAll(async () => {
    for (const client of clients) await client.connect()
  })
  afterAll(async () => {
    for (const client of clients) await client.close()
  })
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
      // Tests restart the broker under this feeder: keep trying for a while. A failed send gives
      // its sequence numbers back (kafkajs), so the retry carries the same ones and the broker
      // drops a batch it already has: the topic holds each record once, as the audits require.
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
