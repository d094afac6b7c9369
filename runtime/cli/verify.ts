/**
 * `exactly verify`: audits a job's output topic against its input topic. Reads both
 * read_committed to the end, recomputes the expected output (with an example's independent
 * model, or by replaying the job's own module in memory: verify-replay.ts), and reports
 * duplicates, missing and unexpected records, broken invariants and any transaction still open
 * on the output. Exits 1 on any finding, 2 on bad arguments.
 *
 *   exactly verify --bootstrap HOST:PORT --example word-count --input words --output counts [--json]
 *   exactly verify --bootstrap HOST:PORT --job ./src/job.ts [--config JSON] --input orders --output totals
 *   exactly verify ... --job ./src/job.ts --input orders,customers --output enriched --lineage enriched-lineage
 */
import { parseArgs } from 'node:util'
import type { KafkaSecurity } from '../../contract/kafka-security.ts'
import { EXPECTATIONS } from '../../examples/expectations.ts'
import { compareOutput, type InputRecord, type VerifyReport } from '../../examples/verify-model.ts'
import type { FetchedRecord } from '../kafka/kafka-client.ts'
import { KafkajsClient } from '../kafka/kafkajs/kafkajs-client.ts'
import { readToEnd } from '../kafka/read-to-end.ts'
import { decodeLineage, type LineageEntry } from '../source/lineage.ts'
import { type LineageGap, orderByLineage } from '../source/lineage-order.ts'
import { loadJob } from '../worker/job-module.ts'
import { KAFKA_SECURITY_OPTIONS, KAFKA_SECURITY_USAGE, KafkaFlagsError, kafkaSecurityFromFlags } from './kafka-flags.ts'
import { ReplayRefusedError, replayModel } from './verify-replay.ts'

export const VERIFY_USAGE = `usage: exactly verify --bootstrap HOST:PORT (--example NAME | --job MODULE [--config JSON])
                     --input TOPIC[,TOPIC] --output TOPIC [--lineage TOPIC] [--json] [Kafka security flags]

  --example   one of: ${Object.keys(EXPECTATIONS).join(', ')}: compare with its independent model
  --job       your job's module (with --config, its spec.job.config): compare with the job itself,
              replayed in memory over the input with no failure (no loop; several input topics
              need --lineage)
  --lineage   the job's spec.kafka.sink.lineageTopic: replay each task in the order it processed
              its committed input, and report input processed twice, skipped or not yet processed
  --input     the job's external source topic(s), read in offset order per partition
  --output    the job's sink topic
  --json      print the report as JSON instead of a summary

${KAFKA_SECURITY_USAGE}`

export interface VerifyResult {
  report: VerifyReport
  inputRecords: number
  openTransactions: string[]
  /** With --lineage: what the job's committed lineage shows. */
  lineage?: LineageFindings
  ok: boolean
}

export interface LineageFindings {
  runs: number
  reprocessed: LineageGap[]
  skipped: LineageGap[]
  pending: LineageGap[]
}

class UsageError extends Error {
  override name = 'UsageError'
}

export async function verifyTopics(options: {
  bootstrap: string
  /** An example's model; or `job`, replayed. */
  example?: string
  job?: { module: string; config?: unknown }
  inputTopics: string[]
  outputTopic: string
  /** The job's lineage topic: replay in its order (needed for several input topics). */
  lineageTopic?: string
  security?: KafkaSecurity
  progress?: (line: string) => void
}): Promise<VerifyResult> {
  const model = options.example === undefined ? undefined : EXPECTATIONS[options.example]
  if (options.example !== undefined && !model) {
    throw new UsageError(
      `Cannot verify: unknown example "${options.example}"; use one of ${Object.keys(EXPECTATIONS).join(', ')}`,
    )
  }
  if (!model && !options.job) throw new UsageError('Cannot verify: give --example NAME or --job MODULE')
  const job = options.job ? await loadJob(options.job.module) : undefined
  const client = new KafkajsClient({
    brokers: [options.bootstrap],
    clientId: 'exactly-verify',
    ...(options.security ? { security: options.security } : {}),
  })
  await client.connect()
  // Long reads say how far they are, every 100,000 records.
  const counter = (topic: string) => {
    let next = 100_000
    return (read: number) => {
      if (read < next) return
      options.progress?.(`read ${read.toLocaleString('en-US')} records of "${topic}"`)
      next = read + 100_000
    }
  }
  try {
    const input: FetchedRecord[] = []
    for (const topic of options.inputTopics) {
      options.progress?.(`reading input topic "${topic}"`)
      // A loop, not push(...records): spreading 130k+ arguments overflows the call stack.
      for (const record of (await readToEnd(client, topic, counter(topic))).records) input.push(record)
    }
    options.progress?.(`reading output topic "${options.outputTopic}"`)
    const output = await readToEnd(client, options.outputTopic, counter(options.outputTopic))
    let order: ReturnType<typeof orderByLineage> | undefined
    if (options.lineageTopic !== undefined) {
      options.progress?.(`reading lineage topic "${options.lineageTopic}"`)
      const lineage = await readToEnd(client, options.lineageTopic, counter(options.lineageTopic))
      const entries: LineageEntry[] = lineage.records.map((r) =>
        decodeLineage(r.value, `${r.topic}/${r.partition}@${r.offset}`),
      )
      order = orderByLineage(input, entries)
      output.openTransactions.push(...lineage.openTransactions)
    }
    const expected = model
      ? model(input.map(toInputRecord))
      : {
          records: replayModel(job!, input, {
            inputTopics: options.inputTopics,
            outputTopic: options.outputTopic,
            partitions: await client.partitionCount(options.inputTopics[0]!),
            config: options.job?.config,
            ...(order ? { lineage: order } : {}),
          }),
        }
    const report = compareOutput(
      expected,
      output.records.map((r) => ({ key: r.key?.toString() ?? null, value: r.value?.toString() ?? null })),
    )
    const lineage = order && {
      runs: order.runs,
      reprocessed: order.reprocessed,
      skipped: order.skipped,
      pending: order.pending,
    }
    const lineageClean = !lineage || lineage.reprocessed.length + lineage.skipped.length + lineage.pending.length === 0
    return {
      report,
      inputRecords: input.length,
      openTransactions: output.openTransactions,
      ...(lineage ? { lineage } : {}),
      ok: report.ok && output.openTransactions.length === 0 && lineageClean,
    }
  } finally {
    await client.close()
  }
}

function toInputRecord(r: FetchedRecord): InputRecord {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset.toString(),
    key: r.key?.toString() ?? null,
    value: r.value?.toString() ?? null,
    timestamp: r.timestamp,
  }
}

export function formatVerifyResult(result: VerifyResult): string {
  const { report } = result
  const show = (records: Array<{ record: { key: string | null; value: string | null } }>) =>
    records
      .slice(0, 10)
      .map(({ record }) => `    ${record.key} → ${record.value}`)
      .join('\n')
  const lines = [
    `input records:        ${result.inputRecords}`,
    `output records:       ${report.actual} (expected ${report.expected})`,
    `duplicates:           ${report.duplicates.reduce((n, d) => n + d.extra, 0)}`,
    `missing:              ${report.missing.reduce((n, m) => n + m.count, 0)}`,
    `unexpected:           ${report.unexpected.reduce((n, u) => n + u.count, 0)}`,
    `invariant violations: ${report.invariantViolations.length}`,
    `open transactions:    ${result.openTransactions.length}`,
  ]
  if (result.lineage) lines.push(...formatLineage(result.lineage))
  if (report.duplicates.length) lines.push('  first duplicates:', show(report.duplicates))
  if (report.missing.length) lines.push('  first missing:', show(report.missing))
  if (report.unexpected.length) lines.push('  first unexpected:', show(report.unexpected))
  for (const v of report.invariantViolations.slice(0, 10)) lines.push(`  invariant: ${v}`)
  for (const t of result.openTransactions) lines.push(`  open: ${t}`)
  lines.push(result.ok ? 'verify: OK, every record exactly once' : 'verify: FAILED')
  return lines.join('\n')
}

function formatLineage(lineage: LineageFindings): string[] {
  const count = (gaps: LineageGap[]) => gaps.reduce((n, g) => n + g.records, 0)
  const show = (gaps: LineageGap[]) =>
    gaps.slice(0, 10).map((g) => `    ${g.topic}/${g.partition} offsets ${g.from}..${g.to - 1n} (${g.records} records)`)
  const lines = [
    `lineage runs:         ${lineage.runs}`,
    `processed twice:      ${count(lineage.reprocessed)}`,
    `skipped input:        ${count(lineage.skipped)}`,
    `not processed yet:    ${count(lineage.pending)}`,
  ]
  if (lineage.reprocessed.length)
    lines.push('  processed twice by committed transactions:', ...show(lineage.reprocessed))
  if (lineage.skipped.length) lines.push('  skipped (never processed):', ...show(lineage.skipped))
  if (lineage.pending.length)
    lines.push('  not processed yet (wait until the job has no lag, then verify again):', ...show(lineage.pending))
  return lines
}

function parseConfig(text: string | undefined): unknown {
  if (text === undefined) return {}
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new UsageError(`Cannot verify: --config must be JSON (spec.job.config): ${(error as Error).message}`)
  }
}

/** The CLI entry: resolves with the exit code. */
export async function runVerify(args: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args,
      options: {
        bootstrap: { type: 'string' },
        example: { type: 'string' },
        job: { type: 'string' },
        config: { type: 'string' },
        input: { type: 'string' },
        output: { type: 'string' },
        lineage: { type: 'string' },
        json: { type: 'boolean', default: false },
        ...KAFKA_SECURITY_OPTIONS,
      },
    })
    for (const name of ['bootstrap', 'input', 'output'] as const) {
      if (!values[name]) throw new UsageError(`Cannot verify: --${name} is required`)
    }
    if (!values.example === !values.job)
      throw new UsageError('Cannot verify: give one of --example NAME or --job MODULE')
    const result = await verifyTopics({
      bootstrap: values.bootstrap!,
      ...(values.example ? { example: values.example } : {}),
      ...(values.job ? { job: { module: values.job, config: parseConfig(values.config) } } : {}),
      inputTopics: values.input!.split(','),
      outputTopic: values.output!,
      ...(values.lineage ? { lineageTopic: values.lineage } : {}),
      security: kafkaSecurityFromFlags(values),
      progress: (line) => process.stderr.write(`verify: ${line}\n`),
    })
    process.stdout.write(
      values.json
        ? `${JSON.stringify(result, (_, v) => (typeof v === 'bigint' ? String(v) : v))}\n`
        : `${formatVerifyResult(result)}\n`,
    )
    return result.ok ? 0 : 1
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      error instanceof ReplayRefusedError ||
      error instanceof KafkaFlagsError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    process.stderr.write(`exactly verify: ${(error as Error).message}\n${usage ? VERIFY_USAGE : ''}`)
    return usage ? 2 : 1
  }
}
