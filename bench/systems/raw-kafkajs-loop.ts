/**
 * The raw kafkajs baseline, as a program of its own (so its CPU time is its own): the
 * consume → process → produce loop anyone would write with kafkajs's public API, without
 * checkpoints or restorable state. Run by bench/systems/raw-kafkajs.ts over IPC:
 *   child → ready        (connected and subscribed)
 *   parent → go          (start consuming)
 *   child → first        (the first batch came: its time and this process's CPU time so far)
 *   child → progress     (records read and written so far, every 50 ms)
 *   parent → stop        (commit what is open, disconnect, exit 0)
 *
 * at-least-once: a consumer group, eachBatch (one batch per partition at a time, four
 * partitions at once), produce with acks=-1, offsets committed every `commitIntervalMs` once
 * the batch's produce was acknowledged. transactional: one transactional producer, one
 * transaction at a time spanning batches for `commitIntervalMs`, the consumed offsets sent in
 * it (sendOffsets), read_committed. Keyed count keeps its counts in a Map: lost on a crash,
 * which is exactly what our runtime's checkpoints pay for.
 */
import { Kafka, logLevel, type Message, type Transaction } from 'kafkajs'

export interface LoopConfig {
  bootstrap: string
  inputTopic: string
  outputTopic: string
  job: 'passthrough' | 'keyedCount'
  mode: 'at-least-once' | 'transactional'
  groupId: string
  transactionalId: string
  commitIntervalMs: number
}

const config = JSON.parse(process.env.BENCH_LOOP_CONFIG ?? '{}') as LoopConfig
const kafka = new Kafka({ clientId: 'bench-raw-kafkajs', brokers: [config.bootstrap], logLevel: logLevel.NOTHING })
const transactional = config.mode === 'transactional'
const consumer = kafka.consumer({
  groupId: config.groupId,
  readUncommitted: false,
  maxWaitTimeInMs: 100,
  maxBytesPerPartition: 1 << 20,
})
const producer = transactional
  ? kafka.producer({
      transactionalId: config.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
    })
  : kafka.producer({ allowAutoTopicCreation: false })
const counts = new Map<string, number>()
let recordsIn = 0
let firstSeen = false

function transform(messages: { key: Buffer | null; value: Buffer | null }[]): Message[] {
  if (config.job === 'passthrough') return messages.map((m) => ({ key: m.key, value: m.value }))
  return messages.map((m) => {
    const key = m.key?.toString() ?? ''
    const count = (counts.get(key) ?? 0) + 1
    counts.set(key, count)
    return { key, value: String(count) }
  })
}

// Transactional state: one open transaction, the offsets it carries, serialized by `locked`.
let txn: Transaction | undefined
let txnStartedAt = 0
let lastBatchAt = 0
const pending = new Map<number, string>()
let chain: Promise<unknown> = Promise.resolve()
function locked<T>(work: () => Promise<T>): Promise<T> {
  const next = chain.then(work)
  chain = next.catch(() => {})
  return next
}

async function commitOpen(): Promise<void> {
  if (!txn) return
  const partitions = [...pending].map(([partition, offset]) => ({ partition, offset }))
  await txn.sendOffsets({ consumerGroupId: config.groupId, topics: [{ topic: config.inputTopic, partitions }] })
  await txn.commit()
  txn = undefined
  pending.clear()
}

async function run(): Promise<void> {
  await consumer.run({
    autoCommit: !transactional,
    autoCommitInterval: config.commitIntervalMs,
    partitionsConsumedConcurrently: transactional ? 1 : 4,
    eachBatch: async ({ batch, heartbeat }) => {
      if (batch.messages.length === 0) return
      if (!firstSeen) {
        firstSeen = true
        const cpu = process.cpuUsage()
        process.send?.({ type: 'first', at: Date.now(), cpuMs: (cpu.user + cpu.system) / 1000 })
      }
      const messages = transform(batch.messages)
      if (!transactional) {
        await producer.send({ topic: config.outputTopic, acks: -1, messages })
      } else {
        await locked(async () => {
          if (!txn) {
            txn = await producer.transaction()
            txnStartedAt = Date.now()
          }
          await txn.send({ topic: config.outputTopic, messages })
          pending.set(batch.partition, (BigInt(batch.lastOffset()) + 1n).toString())
          if (Date.now() - txnStartedAt >= config.commitIntervalMs) await commitOpen()
        })
        lastBatchAt = Date.now()
      }
      recordsIn += batch.messages.length
      await heartbeat()
    },
  })
}

await Promise.all([consumer.connect(), producer.connect()])
await consumer.subscribe({ topic: config.inputTopic, fromBeginning: true })
const progress = setInterval(() => process.send?.({ type: 'progress', recordsIn }), 50)
// With no new batch for a moment, the open transaction is committed: the tail of the input.
const idle = setInterval(() => {
  if (txn && Date.now() - lastBatchAt > 200) void locked(commitOpen)
}, 100)
process.on('message', (message: { type: string }) => {
  if (message.type === 'go') void run()
  if (message.type === 'stop') {
    clearInterval(idle)
    clearInterval(progress)
    void (async () => {
      await consumer.disconnect()
      await locked(commitOpen)
      await producer.disconnect()
      process.exit(0)
    })()
  }
})
process.send?.({ type: 'ready' })
