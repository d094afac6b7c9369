/**
 * Runs the peers against a live broker and checks their output (not part of `make test`):
 * pre-loads input into unique topics, runs every Kafka Streams mode and guarantee and Kafka's perf
 * tools, reads each output with read_committed and checks it record for record, prints figures,
 * and deletes the topics it made (Kafka Streams' changelogs included).
 *
 *   node bench/peers/check.ts [--records=200000] [--keys=10000] [--runs=2]
 *                             [--only=passthrough,keyed-count,bank,perf]
 *
 * The broker: BENCH_BOOTSTRAP, else `kafka.bootstrap` of $EXACTLY_STACK_DIR/stack.json (default
 * .stack, what `make up` writes).
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import type { Kafka } from 'kafkajs'
import { expectedBank } from '../../examples/bank-transfers/expected.ts'
import { commandKey, generateBankCommands, mulberry32 } from '../../examples/bank-transfers/generate.ts'
import { compareOutput, type InputRecord, type OutputRecord } from '../../examples/verify-model.ts'
import { REPO_ROOT } from '../../stack/repo-root.ts'
import { readStackInfo } from '../../stack/stack.ts'
import { createTopic, kafkaFor } from '../../stack/topics.ts'
import { runConsumerPerf, runProducerPerf } from './kafka-perf.ts'
import { type KafkaStreamsGuarantee, runKafkaStreams } from './kafka-streams.ts'
import { produce, readAll } from './topic-io.ts'

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback
const RECORDS = Number(arg('records', '200000'))
const KEYS = Number(arg('keys', '10000'))
const RUNS = Number(arg('runs', '2'))
const ONLY = new Set(arg('only', 'passthrough,keyed-count,bank,perf').split(','))
const PARTITIONS = 4
const RECORD_SIZE = 100
const PREFIX = `bench-peers-${randomUUID().slice(0, 8)}`

function bootstrap(): string {
  if (process.env.BENCH_BOOTSTRAP) return process.env.BENCH_BOOTSTRAP
  const dir = process.env.EXACTLY_STACK_DIR ?? join(REPO_ROOT, '.stack')
  const found = readStackInfo(dir)?.kafka?.bootstrap
  if (!found) throw new Error(`No Kafka broker in ${dir}/stack.json: run 'make up', or set BENCH_BOOTSTRAP`)
  return found
}

interface Input {
  topic: string
  records: Array<{ key: string; value: string }>
  perKey: Map<string, number>
}

async function preload(kafka: Kafka): Promise<Input> {
  const topic = await createTopic(kafka, `${PREFIX}-input`, PARTITIONS)
  const random = mulberry32(20261125)
  const perKey = new Map<string, number>()
  const records = Array.from({ length: RECORDS }, (_, i) => {
    const key = `key-${Math.floor(random() * KEYS)}`
    perKey.set(key, (perKey.get(key) ?? 0) + 1)
    return { key, value: `record-${i}-`.padEnd(RECORD_SIZE, 'x') }
  })
  const started = performance.now()
  await produce(kafka, topic, records)
  console.log(
    `pre-loaded ${RECORDS} records of ${RECORD_SIZE} B, ${perKey.size} keys, ${PARTITIONS} partitions into ${topic} in ${Math.round(performance.now() - started)} ms`,
  )
  return { topic, records, perKey }
}

/** Passthrough: every input record exactly once, unchanged (values are unique). */
function checkPassthrough(input: Input, output: OutputRecord[]): string[] {
  const want = new Map(input.records.map((r) => [r.value, r.key]))
  const seen = new Set<string>()
  const problems: string[] = []
  for (const r of output) {
    if (r.value === null || want.get(r.value) !== r.key) problems.push(`unexpected ${JSON.stringify(r)}`)
    else if (seen.has(r.value)) problems.push(`duplicate ${r.value}`)
    else seen.add(r.value)
  }
  if (seen.size !== want.size) problems.push(`missing ${want.size - seen.size} records`)
  return problems
}

/** Keyed count: each key's outputs are exactly 1..n, n its number of input records, in order per key. */
function checkKeyedCount(input: Input, output: OutputRecord[]): string[] {
  const last = new Map<string, number>()
  const problems: string[] = []
  for (const r of output) {
    const before = last.get(r.key ?? '') ?? 0
    if (Number(r.value) !== before + 1) problems.push(`key ${r.key}: ${r.value} after ${before}`)
    last.set(r.key ?? '', Number(r.value))
  }
  for (const [key, n] of input.perKey) {
    if (last.get(key) !== n) problems.push(`key ${key}: final count ${last.get(key)}, ${n} input records`)
  }
  if (last.size !== input.perKey.size)
    problems.push(`${last.size} keys in the output, ${input.perKey.size} in the input`)
  return problems
}

interface Figures {
  peer: string
  run: number
  recordsPerSec: number
  cpuMicrosPerRecord: number
  note: string
}
const figures: Figures[] = []

/** `problems` null: the output is not checked (the perf tools' own topics). */
function report(f: Figures, problems: string[] | null): void {
  figures.push(f)
  const status =
    problems === null
      ? 'output not checked'
      : problems.length === 0
        ? 'output OK'
        : `OUTPUT WRONG (${problems.length}): ${problems.slice(0, 5).join('; ')}`
  console.log(
    `${f.peer} #${f.run}: ${Math.round(f.recordsPerSec)} records/s, ${f.cpuMicrosPerRecord.toFixed(1)} CPU-µs/record; ${f.note}; ${status}`,
  )
  if (problems && problems.length > 0) process.exitCode = 1
}

async function streams(kafka: Kafka, boot: string, input: Input, mode: 'passthrough' | 'keyed-count', run: number) {
  const variants: Array<{ guarantee: KafkaStreamsGuarantee; store: 'rocksdb' | 'memory' }> = [
    { guarantee: 'exactly_once_v2', store: 'rocksdb' },
    { guarantee: 'at_least_once', store: 'rocksdb' },
  ]
  if (mode === 'keyed-count') variants.push({ guarantee: 'exactly_once_v2', store: 'memory' })
  for (const { guarantee, store } of variants) {
    const output = await createTopic(kafka, `${PREFIX}-out`, PARTITIONS)
    const r = await runKafkaStreams({
      bootstrap: boot,
      mode,
      guarantee,
      inputTopics: [input.topic],
      outputTopic: output,
      expectedRecords: RECORDS,
      commitIntervalMs: 100,
      applicationId: `${PREFIX}-${mode}-${guarantee}-${store}-${run}`,
      timeoutMs: 5 * 60_000,
      store,
    })
    const actual = await readAll(kafka, PREFIX, output, RECORDS)
    const problems = mode === 'passthrough' ? checkPassthrough(input, actual) : checkKeyedCount(input, actual)
    report(
      {
        peer: `kafka-streams ${mode} ${guarantee}${mode === 'keyed-count' ? ` ${store}` : ''}`,
        run,
        recordsPerSec: r.recordsPerSec,
        cpuMicrosPerRecord: r.cpuMicrosPerRecord,
        note: `elapsed ${Math.round(r.elapsedMs)} ms, close ${Math.round(r.closeMs)} ms, JVM CPU ${Math.round(r.processCpuMs)} ms in ${Math.round(r.wallMs)} ms, ${actual.length} output records`,
      },
      problems,
    )
  }
}

async function bank(kafka: Kafka, boot: string, run: number) {
  const commands = generateBankCommands(7 + run, RECORDS, 1000)
  const transfers = commands.filter((c) => c.type === 'transfer').length
  const commandsTopic = await createTopic(kafka, `${PREFIX}-bank-commands`, PARTITIONS)
  const records = commands.map((c) => ({ key: commandKey(c), value: JSON.stringify(c) }))
  await produce(kafka, commandsTopic, records)
  const inputRecords: InputRecord[] = records.map((r, i) => ({
    topic: commandsTopic,
    partition: 0,
    offset: String(i),
    ...r,
  }))
  const expected = expectedBank(inputRecords)
  for (const guarantee of ['exactly_once_v2', 'at_least_once'] as const) {
    const output = await createTopic(kafka, `${PREFIX}-bank-events`, PARTITIONS)
    // Each run reads the same commands; its credits topic starts empty.
    const creditsTopic = await createTopic(kafka, `${PREFIX}-bank-credits`, PARTITIONS)
    const r = await runKafkaStreams({
      bootstrap: boot,
      mode: 'bank',
      guarantee,
      inputTopics: [commandsTopic, creditsTopic],
      outputTopic: output,
      expectedRecords: RECORDS + transfers,
      commitIntervalMs: 100,
      applicationId: `${PREFIX}-bank-${guarantee}-${run}`,
      timeoutMs: 5 * 60_000,
    })
    const actual = await readAll(kafka, PREFIX, output, expected.records.length)
    const verdict = compareOutput(expected, actual)
    const creditRecords = await readAll(kafka, PREFIX, creditsTopic, transfers, 1000)
    const problems = [
      ...verdict.duplicates.slice(0, 3).map((d) => `duplicate ${JSON.stringify(d)}`),
      ...verdict.missing.slice(0, 3).map((d) => `missing ${JSON.stringify(d)}`),
      ...verdict.unexpected.slice(0, 3).map((d) => `unexpected ${JSON.stringify(d)}`),
      ...verdict.invariantViolations.slice(0, 3),
      ...(creditRecords.length === transfers ? [] : [`${creditRecords.length} credits for ${transfers} transfers`]),
    ]
    if (!verdict.ok && problems.length === 0) problems.push('compareOutput says not ok')
    report(
      {
        peer: `kafka-streams bank ${guarantee}`,
        run,
        recordsPerSec: r.recordsPerSec,
        cpuMicrosPerRecord: r.cpuMicrosPerRecord,
        note: `${RECORDS} commands + ${transfers} credits, elapsed ${Math.round(r.elapsedMs)} ms, close ${Math.round(r.closeMs)} ms, JVM CPU ${Math.round(r.processCpuMs)} ms, ${actual.length} events (expected ${expected.records.length})`,
      },
      problems,
    )
  }
}

async function perf(kafka: Kafka, boot: string, input: Input, run: number) {
  for (const transactional of [false, true]) {
    const topic = await createTopic(kafka, `${PREFIX}-perf`, PARTITIONS)
    const p = await runProducerPerf({
      bootstrap: boot,
      topic,
      records: RECORDS,
      recordSize: RECORD_SIZE,
      transactional,
    })
    report(
      {
        peer: `producer-perf acks=all${transactional ? ' transactional (100 ms)' : ''}`,
        run,
        recordsPerSec: p.recordsPerSec,
        cpuMicrosPerRecord: p.cpuMicrosPerRecord,
        note: `${p.mbPerSec} MB/s, latency avg ${p.avgLatencyMs} ms p99 ${p.p99LatencyMs} ms, CPU ${Math.round(p.cpuMs)} ms (whole JVM)`,
      },
      null,
    )
  }
  const c = await runConsumerPerf({
    bootstrap: boot,
    topic: input.topic,
    records: RECORDS,
    isolation: 'read_committed',
    group: `${PREFIX}-consumer-perf-${run}`,
  })
  report(
    {
      peer: 'consumer-perf read_committed',
      run,
      recordsPerSec: c.recordsPerSec,
      cpuMicrosPerRecord: c.cpuMicrosPerRecord,
      note: `${c.mbPerSec} MB/s fetching; ${Math.round(c.recordsPerSecWithJoin)} records/s with the ${c.rebalanceMs} ms join; CPU ${Math.round(c.cpuMs)} ms (whole JVM)`,
    },
    null,
  )
}

async function cleanup(kafka: Kafka): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(PREFIX))
    if (mine.length > 0) await admin.deleteTopics({ topics: mine })
    // Kafka Streams' groups are named after the application id; the readers' and perf tool's too.
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(PREFIX))
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {})
    console.log(`deleted ${mine.length} topics and ${groups.length} consumer groups starting with ${PREFIX}`)
  } finally {
    await admin.disconnect()
  }
}

async function main(): Promise<void> {
  const boot = bootstrap()
  const kafka = kafkaFor(boot, 'bench-peers-check')
  console.log(`broker ${boot}, topics ${PREFIX}-*`)
  try {
    const input = await preload(kafka)
    for (let run = 1; run <= RUNS; run++) {
      if (ONLY.has('passthrough')) await streams(kafka, boot, input, 'passthrough', run)
      if (ONLY.has('keyed-count')) await streams(kafka, boot, input, 'keyed-count', run)
      if (ONLY.has('bank')) await bank(kafka, boot, run)
      if (ONLY.has('perf')) await perf(kafka, boot, input, run)
    }
  } finally {
    await cleanup(kafka).catch((error) => console.error(`cleanup failed: ${error}`))
  }
  console.log('\n| peer | run | records/s | CPU-µs/record |\n|---|---|---|---|')
  for (const f of figures) {
    console.log(`| ${f.peer} | ${f.run} | ${Math.round(f.recordsPerSec)} | ${f.cpuMicrosPerRecord.toFixed(1)} |`)
  }
}

await main()
