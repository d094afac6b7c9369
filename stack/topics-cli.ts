/**
 * `topics`: topic administration on the local stack's broker (what kafka-topics.sh and the
 * console producer and consumer do; the stack's Kafka carries no tools jar). `make up` writes a
 * wrapper into <stack dir>/bin.
 *
 *   topics list
 *   topics create NAME [--partitions N]
 *   topics produce TOPIC              lines on stdin: "key<TAB>value", or a value without a key
 *   topics consume TOPIC [--json]     every committed record (read_committed) to the end, "key<TAB>value"
 */
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { KafkajsClient } from '../runtime/kafka/kafkajs/kafkajs-client.ts'
import { readToEnd } from '../runtime/kafka/read-to-end.ts'
import { REPO_ROOT } from './repo-root.ts'
import { readStackInfo } from './stack.ts'
import { createNamedTopic, kafkaFor } from './topics.ts'

const USAGE = `usage: topics list | create NAME [--partitions N] | produce TOPIC | consume TOPIC [--json]
  produce reads lines from stdin: "key<TAB>value", or a value alone (no key)
  consume prints every committed record to the end of the topic (read_committed) as "key<TAB>value"`

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { partitions: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
})
const [command, topic] = positionals
if (values.help || !command) {
  console.log(USAGE)
  process.exit(command ? 0 : 2)
}
const dir = process.env.EXACTLY_STACK_DIR ?? `${REPO_ROOT}/.stack`
const bootstrap = readStackInfo(dir)?.kafka?.bootstrap
if (!bootstrap) {
  console.error(`topics: no stack with Kafka is up in ${dir}; start one with: make up`)
  process.exit(1)
}
const needTopic = (): string => {
  if (!topic) {
    console.error(`topics ${command}: name the topic\n${USAGE}`)
    process.exit(2)
  }
  return topic
}

const kafka = kafkaFor(bootstrap, 'exactly-topics')
switch (command) {
  case 'list': {
    const admin = kafka.admin()
    await admin.connect()
    const metadata = await admin.fetchTopicMetadata()
    await admin.disconnect()
    for (const t of metadata.topics.filter((t) => !t.name.startsWith('__')).sort((a, b) => (a.name < b.name ? -1 : 1)))
      console.log(`${t.name}\t${t.partitions.length} partitions`)
    break
  }
  case 'create': {
    const partitions = Number(values.partitions ?? '1')
    if (!Number.isInteger(partitions) || partitions < 1) {
      console.error(`topics create: --partitions must be a whole number ≥ 1, got ${values.partitions}`)
      process.exit(2)
    }
    await createNamedTopic(kafka, needTopic(), partitions)
    console.log(`created ${topic} with ${partitions} partitions`)
    break
  }
  case 'produce': {
    const name = needTopic()
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    let sent = 0
    let batch: Array<{ key: string | null; value: string }> = []
    const flush = async () => {
      if (batch.length === 0) return
      await producer.send({ topic: name, messages: batch })
      sent += batch.length
      batch = []
    }
    for await (const line of createInterface({ input: process.stdin })) {
      if (line === '') continue
      const tab = line.indexOf('\t')
      batch.push(tab < 0 ? { key: null, value: line } : { key: line.slice(0, tab), value: line.slice(tab + 1) })
      if (batch.length >= 500) await flush()
    }
    await flush()
    await producer.disconnect()
    console.error(`produced ${sent} records to ${name}`)
    break
  }
  case 'consume': {
    const client = new KafkajsClient({ brokers: [bootstrap], clientId: 'exactly-topics' })
    await client.connect()
    const contents = await readToEnd(client, needTopic())
    await client.close()
    for (const r of contents.records) {
      const key = r.key?.toString() ?? null
      const value = r.value?.toString() ?? null
      console.log(
        values.json
          ? JSON.stringify({ partition: r.partition, offset: String(r.offset), key, value })
          : `${key ?? ''}\t${value ?? ''}`,
      )
    }
    if (contents.openTransactions.length > 0)
      console.error(`(open transactions hold back: ${contents.openTransactions.join(', ')})`)
    break
  }
  default:
    console.error(`topics: unknown command "${command}"\n${USAGE}`)
    process.exit(2)
}
