/**
 * A read_committed reader for audits that shares no code with the worker's fetch path: Apache
 * Kafka's own Java consumer (ReadCommitted.java beside this file, run with the stack's
 * kafka-clients jar), the reference implementation of read_committed. The runtime reads with its
 * own adapter over kafkajs internals (runtime/kafka/kafkajs/: Fetch requests, its own
 * read_committed filter) and `exactly verify` with runtime/kafka/read-to-end.ts; a bug there
 * would change the worker's input and such an audit's view alike, but not this reader's.
 *
 * Why not kafkajs's public consumer with `readUncommitted: false`: kafkajs 2.2.4 hands over
 * records of aborted transactions when a fetch answer lists them out of first-offset order (the
 * broker lists them in the order of their abort markers; kafkajs's filterAbortedMessages enters
 * them one at a time in the order given, so an earlier-starting one is never entered). Seen
 * here: a first attempt fenced with two transactions open (producer 19 from offset 132, producer
 * 17 from 181, aborted by markers at 410 and 411); kafkajs's consumer returned the 49 aborted
 * records 132–180 (test/integration/runtime/worker/worker-outages.it.test.ts, S3 away past
 * checkpoint.timeout), which the runtime's read and the Java consumer both leave out.
 *
 * "The end" is each partition's end offset when the read starts, as the consumer sees it (for
 * read_committed, the last stable offset); only records below it are kept.
 *
 * `readUncommitted` (kafkajs's consumer with `readUncommitted: true`, where kafkajs filters
 * nothing but control records) gives every record with its producer, aborted ones included.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Kafka } from 'kafkajs'
import type { InputRecord } from '../../../examples/verify-model.ts'
import { componentDir } from '../../../stack/components.ts'
import { runCommand } from '../../../stack/run-command.ts'

/** A record as read: topic, partition, offset (decimal) and key and value as UTF-8 text. */
export type PlainRecord = InputRecord

/** A record with the producer of its batch (read_uncommitted reads keep aborted data too). */
export interface ProducedRecord extends PlainRecord {
  producerId: string
  producerEpoch: number
}

const JAVA_READER = join(dirname(fileURLToPath(import.meta.url)), 'ReadCommitted.java')
let compiled: Promise<string> | undefined

/**
 * The classpath to run the reader with: the Kafka Java client's jars from the stack's Kafka (no
 * logging backend: nothing on stdout but records) and the reader, compiled once per process.
 */
function javaClasspath(): Promise<string> {
  compiled ??= (async () => {
    const libs = await componentDir('kafka')
    const wanted = ['kafka-clients-', 'slf4j-api-', 'lz4-java-', 'snappy-java-', 'zstd-jni-']
    const jars = readdirSync(libs)
      .filter((f) => f.endsWith('.jar') && wanted.some((w) => f.startsWith(w)))
      .map((f) => join(libs, f))
      .join(':')
    const classes = mkdtempSync(join(tmpdir(), 'exactly-read-committed-'))
    const javac = await runCommand('javac', ['-nowarn', '-d', classes, '-cp', jars, JAVA_READER], {
      timeoutMs: 120_000,
    })
    if (javac.code !== 0) throw new Error(`Cannot compile ${JAVA_READER} (exit ${javac.code}):\n${javac.stderr}`)
    return `${classes}:${jars}`
  })()
  compiled.catch(() => {
    compiled = undefined
  })
  return compiled
}

/** Every committed record of `topic` below each partition's end, in offset order per partition. */
export async function readCommitted(bootstrap: string, topic: string, timeoutMs = 60_000): Promise<PlainRecord[]> {
  return (await readAllCommitted(bootstrap, [topic], timeoutMs)).filter((r) => r.topic === topic)
}

/** The committed records of `topics` (one Java consumer for all), topic by topic in the order given. */
export async function readAllCommitted(
  bootstrap: string,
  topics: readonly string[],
  timeoutMs = 60_000,
): Promise<PlainRecord[]> {
  const read = await runCommand(
    'java',
    ['-Xmx512m', '-cp', await javaClasspath(), 'ReadCommitted', bootstrap, String(timeoutMs), ...topics],
    // The reader stops itself at timeoutMs; this bound only catches a JVM that never answers.
    { timeoutMs: timeoutMs + 60_000 },
  )
  if (read.code !== 0) {
    throw new Error(
      `Cannot read ${topics.join(', ')} with the Java consumer (exit ${read.code}):\n${read.stderr.slice(-4000)}`,
    )
  }
  const byTopic = new Map<string, PlainRecord[]>(topics.map((t) => [t, []]))
  for (const line of read.stdout.split('\n')) {
    if (!line) continue
    const r = JSON.parse(line) as { t: string; p: number; o: string; k: string | null; v: string | null; ts: number }
    byTopic.get(r.t)?.push({ topic: r.t, partition: r.p, offset: r.o, key: r.k, value: r.v, timestamp: r.ts })
  }
  return [...byTopic.values()].flatMap((records) => records.sort(byPartitionAndOffset))
}

const byPartitionAndOffset = (a: PlainRecord, b: PlainRecord) =>
  a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset))

/**
 * Every record of `topic` below each partition's last stable offset, aborted ones included,
 * with its producer. Only when no transaction is open is that the whole log (the high watermark).
 */
export async function readUncommitted(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<ProducedRecord[]> {
  const admin = kafka.admin()
  await admin.connect()
  let offsets: Awaited<ReturnType<typeof admin.fetchTopicOffsets>>
  try {
    offsets = await admin.fetchTopicOffsets(topic)
  } finally {
    await admin.disconnect()
  }
  // Empty partitions (end at the log's start) are left out: nothing to wait for there.
  const ends = new Map(offsets.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]))
  const records: ProducedRecord[] = []
  // Where the consumer is, per partition: one past the last offset of a batch it finished (that
  // batch's control records and aborted data included, which kafkajs does not hand over).
  const position = new Map<number, number>()
  const reachedEnd = () => [...ends].every(([p, end]) => (position.get(p) ?? 0) >= end)
  if (reachedEnd()) return records

  const consumer = kafka.consumer({ groupId: `independent-audit-${randomUUID()}`, readUncommitted: true })
  let done: () => void = () => {}
  const finished = new Promise<void>((resolve) => {
    done = resolve
  })
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic !== topic) return
    position.set(payload.partition, Math.max(position.get(payload.partition) ?? 0, Number(payload.lastOffset) + 1))
    if (reachedEnd()) done()
  })
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = ends.get(batch.partition) ?? 0
        for (const m of batch.messages) {
          if (Number(m.offset) >= end) continue
          // kafkajs keeps each record's batch header (producer id and epoch) on the message.
          const context = (m as { batchContext?: { producerId?: unknown; producerEpoch?: unknown } }).batchContext
          records.push({
            topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key?.toString() ?? null,
            value: m.value?.toString() ?? null,
            producerId: String(context?.producerId ?? '-1'),
            producerEpoch: Number(context?.producerEpoch ?? -1),
          })
        }
      },
    })
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs)
    })
    const outcome = await Promise.race([finished, timedOut])
    clearTimeout(timer)
    if (outcome === 'timeout') {
      const where = [...ends].map(([p, end]) => `${p}: at ${position.get(p) ?? 0} of ${end}`).join(', ')
      throw new Error(`Cannot read "${topic}" to its end within ${timeoutMs} ms (partition ${where})`)
    }
  } finally {
    await consumer.disconnect()
  }
  // Partitions in order, each in offset order (kafkajs interleaves them).
  return records.sort(byPartitionAndOffset)
}
