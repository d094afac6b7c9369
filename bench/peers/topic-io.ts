/** Input into, and output out of, the peers' topics for bench/peers/check.ts. */
import { randomUUID } from 'node:crypto'
import type { Kafka } from 'kafkajs'
import type { OutputRecord } from '../../examples/verify-model.ts'

/** Produces `records` in batches of 5000 with one idempotent producer. */
export async function produce(
  kafka: Kafka,
  topic: string,
  records: Array<{ key: string; value: string }>,
): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  try {
    for (let i = 0; i < records.length; i += 5000) {
      await producer.send({ topic, messages: records.slice(i, i + 5000) })
    }
  } finally {
    await producer.disconnect()
  }
}

/**
 * Reads `topic` with read_committed from the beginning until `expected` records came and then
 * nothing more for `idleMs` (so surplus records, i.e. duplicates, are seen too), or `timeoutMs`.
 * Its consumer group is named after `prefix`, so the check's cleanup finds it.
 */
export async function readAll(
  kafka: Kafka,
  prefix: string,
  topic: string,
  expected: number,
  idleMs = 3000,
  timeoutMs = 180_000,
) {
  const consumer = kafka.consumer({ groupId: `${prefix}-reader-${randomUUID()}`, readUncommitted: false })
  const records: Array<OutputRecord & { partition: number }> = []
  let lastAt = Date.now()
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          records.push({
            partition: batch.partition,
            key: m.key?.toString() ?? null,
            value: m.value?.toString() ?? null,
          })
        }
        lastAt = Date.now()
      },
    })
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline && !(records.length >= expected && Date.now() - lastAt > idleMs)) {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  } finally {
    await consumer.disconnect()
  }
  return records
}
