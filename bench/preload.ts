/**
 * Fills an input topic before any system runs, so no producer competes with the system under
 * test for the two cores. One kafkajs producer with acks=1 and large batches, one at a time:
 * preloading needs speed, not durability (the topic is read back many times, never rewritten).
 * One request in flight keeps every partition in the order the records were generated: bank
 * commands depend on it (a transfer must come after the deposits that fund it), and so does the
 * windowed count, whose event time is the sequence number (out of order, records would be late).
 * It also returns what the correctness checks need to know about the input: the count per key
 * (keyed count) and the bank totals.
 */
import { Kafka, logLevel } from 'kafkajs'
import { createNamedTopic } from '../stack/topics.ts'
import { bankRecords, type InputRecord, type InputShape, PARTITIONS, syntheticRecords } from './workloads.ts'

export interface PreloadedInput {
  topic: string
  shape: InputShape
  /** Records per key, over the whole input. */
  keyCounts: Map<string, number>
  /** Bank only: deposit and transfer commands, and the money deposited. */
  bank?: { deposits: number; transfers: number; deposited: number }
  bytes: number
  ms: number
}

/** Records per send: about 2 MB, so each partition's batch stays under the broker's 1 MB message limit. */
const BATCH_BYTES = 2 << 20

export async function preload(bootstrap: string, topic: string, shape: InputShape): Promise<PreloadedInput> {
  const kafka = new Kafka({ clientId: 'exactly-bench-preload', brokers: [bootstrap], logLevel: logLevel.NOTHING })
  await createNamedTopic(kafka, topic, PARTITIONS)
  const producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 })
  await producer.connect()
  const started = Date.now()
  const keyCounts = new Map<string, number>()
  let bytes = 0
  let bank: PreloadedInput['bank']
  try {
    let next: (i: number) => InputRecord
    if (shape.kind === 'bank') {
      const records = bankRecords(shape)
      bank = { deposits: 0, transfers: 0, deposited: 0 }
      for (const r of records) {
        const command = JSON.parse(r.value.toString()) as { type: string; amount: number }
        if (command.type === 'deposit') {
          bank.deposits++
          bank.deposited += command.amount
        } else bank.transfers++
      }
      next = (i) => records[i]!
    } else {
      const generator = syntheticRecords(shape)
      next = (i) => generator.next(i)
    }
    const batch = Math.max(1, Math.floor(BATCH_BYTES / (shape.valueBytes + 16)))
    for (let start = 0; start < shape.records; start += batch) {
      const messages: InputRecord[] = []
      for (let i = start; i < Math.min(start + batch, shape.records); i++) {
        const record = next(i)
        keyCounts.set(record.key, (keyCounts.get(record.key) ?? 0) + 1)
        bytes += record.value.length
        messages.push(record)
      }
      // One batch after the other: sends queued together may reach a partition out of order.
      await producer.send({ topic, acks: 1, messages })
    }
  } finally {
    await producer.disconnect()
  }
  return { topic, shape, keyCounts, ...(bank ? { bank } : {}), bytes, ms: Date.now() - started }
}
