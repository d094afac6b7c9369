/**
 * Input at a fixed rate while a system runs (latency and recovery rows): records like the
 * preloaded ones (key from a seeded stream of `keys` keys, value `seq|…` padded to 100 bytes),
 * with the send time in the value (`seq|sentAtMs|…`), so whoever reads the output can tell how
 * long each record took, whatever the system did to its headers.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Kafka, logLevel } from 'kafkajs'
import { createNamedTopic } from '../../stack/topics.ts'
import type { PreloadedInput } from '../preload.ts'
import type { Bench } from '../run-cell.ts'
import { type InputShape, PARTITIONS, syntheticRecords } from '../workloads.ts'

export interface RateProducer {
  /** What the checks need: the shape and the count per key, complete once `done` resolved. */
  input: PreloadedInput
  /** Starts sending; resolves when all `records` are sent. */
  start(): Promise<void>
  /** When sending started (ms since the epoch), 0 before. */
  startedAt(): number
}

/** The send time a rate producer put into a value, or undefined. */
export function sentAtOf(value: Buffer | null): number | undefined {
  if (!value) return undefined
  const text = value.toString('latin1', 0, 40)
  const parts = text.split('|')
  const sent = Number(parts[1])
  return parts.length >= 3 && Number.isFinite(sent) ? sent : undefined
}

export function rateProducer(options: {
  bootstrap: string
  topic: string
  ratePerSec: number
  records: number
  keys: number
}): RateProducer {
  const shape: InputShape = { kind: 'synthetic', records: options.records, valueBytes: 100, keys: options.keys }
  const generator = syntheticRecords(shape)
  // The keys are drawn up front, so the count per key is known before the first record is sent.
  const keys = Array.from({ length: options.records }, (_, i) => generator.next(i).key)
  const keyCounts = new Map<string, number>()
  for (const key of keys) keyCounts.set(key, (keyCounts.get(key) ?? 0) + 1)
  const input: PreloadedInput = { topic: options.topic, shape, keyCounts, bytes: options.records * 100, ms: 0 }
  let startedAt = 0
  const pad = Buffer.alloc(100, 'x')
  return {
    input,
    startedAt: () => startedAt,
    async start() {
      const kafka = new Kafka({
        clientId: 'exactly-bench-rate',
        brokers: [options.bootstrap],
        logLevel: logLevel.NOTHING,
      })
      const producer = kafka.producer({ allowAutoTopicCreation: false })
      await producer.connect()
      startedAt = Date.now()
      let sent = 0
      try {
        // Every 10 ms, send what the rate says should have been sent by now: a steady stream
        // that catches up after a slow send instead of drifting.
        while (sent < options.records) {
          const due = Math.min(options.records, Math.floor(((Date.now() - startedAt) * options.ratePerSec) / 1000))
          if (due > sent) {
            const now = Date.now()
            const messages = []
            for (let i = sent; i < due; i++) {
              const value = Buffer.from(pad)
              value.write(`${i}|${now}|`, 0, 'latin1')
              messages.push({ key: keys[i]!, value })
            }
            await producer.send({ topic: options.topic, acks: 1, messages })
            sent = due
          }
          await sleep(10)
        }
      } finally {
        await producer.disconnect()
      }
    },
  }
}

/** A run's fresh input and output topics (`<runId>-in`, `<runId>-out`) and the producer that will feed its input. */
export async function rateTopics(
  bench: Pick<Bench, 'bootstrap' | 'kafkajs'>,
  runId: string,
  rate: { ratePerSec: number; records: number; keys: number },
): Promise<{ input: string; output: string; producer: RateProducer }> {
  const input = `${runId}-in`
  const output = `${runId}-out`
  await createNamedTopic(bench.kafkajs, input, PARTITIONS)
  await createNamedTopic(bench.kafkajs, output, PARTITIONS)
  const producer = rateProducer({ bootstrap: bench.bootstrap, topic: input, ...rate })
  return { input, output, producer }
}
