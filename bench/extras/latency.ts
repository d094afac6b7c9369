/**
 * End-to-end latency as a read_committed consumer sees it: a producer sends passthrough input at
 * a fixed rate with the send time in each value (rate-producer.ts); a kafkajs consumer with
 * read_committed reads the output and records receive time − send time per record. The
 * producer starts once the system is up, and the first seconds are left out (warm-up), so the
 * figures are the steady state: for a transactional system, about half the commit interval
 * plus the commit itself.
 */
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
import { KafkajsClient } from '../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { checkOutput } from '../check-output.ts'
import type { Figures, Section } from '../report.ts'
import { median } from '../report.ts'
import type { Bench } from '../run-cell.ts'
import { runOurs, supportsAtLeastOnce } from '../systems/ours.ts'
import { runRawKafkajs } from '../systems/raw-kafkajs.ts'
import type { RunContext, SystemRun } from '../systems/system.ts'
import { allWorkloads } from '../workloads.ts'
import { rateTopics, sentAtOf } from './rate-producer.ts'

const RATE = 1000
const SECONDS = 15
const WARM_UP_MS = 3000

const SYSTEMS: Array<{ id: string; label: string; run: (ctx: RunContext) => Promise<SystemRun>; alo?: boolean }> = [
  {
    id: 'ours.eos.1s',
    label: 'ours, exactly-once, 1 s checkpoints',
    run: (ctx) => runOurs(ctx, { delivery: 'exactly-once', intervalMs: 1000 }),
  },
  {
    id: 'rawKafkajs.txn.1s',
    label: 'raw kafkajs, a transaction per 1 s',
    run: (ctx) => runRawKafkajs(ctx, { mode: 'transactional', commitIntervalMs: 1000 }),
  },
  {
    id: 'ours.alo.1s',
    label: 'ours, at-least-once, 1 s checkpoints',
    run: (ctx) => runOurs(ctx, { delivery: 'at-least-once', intervalMs: 1000 }),
    alo: true,
  },
  {
    id: 'rawKafkajs.alo',
    label: 'raw kafkajs, at-least-once',
    run: (ctx) => runRawKafkajs(ctx, { mode: 'at-least-once', commitIntervalMs: 1000 }),
  },
]

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

interface LatencyRun {
  valid: boolean
  p50: number
  p99: number
  samples: number
  problems: string[]
}

async function measure(bench: Bench, system: (typeof SYSTEMS)[number], run: number): Promise<LatencyRun> {
  const runId = `${bench.id}-latency-${run}-${system.id.replaceAll('.', '-')}`
  const { output: outputTopic, producer } = await rateTopics(bench, runId, {
    ratePerSec: RATE,
    records: RATE * SECONDS,
    keys: 10_000,
  })
  const latencies: number[] = []
  const reader = new Kafka({
    clientId: 'exactly-bench-latency',
    brokers: [bench.bootstrap],
    logLevel: logLevel.NOTHING,
  })
  const consumer = reader.consumer({
    groupId: `${runId}-reader-${randomUUID()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 50,
  })
  const kafka = new KafkajsClient({ brokers: [bench.bootstrap], clientId: `exactly-bench-${runId}` })
  try {
    await Promise.all([consumer.connect(), kafka.connect()])
    await consumer.subscribe({ topic: outputTopic, fromBeginning: true })
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now()
        for (const m of batch.messages) {
          const sent = sentAtOf(m.value)
          if (sent !== undefined && sent - producer.startedAt() >= WARM_UP_MS) latencies.push(now - sent)
        }
      },
    })
    let sending: Promise<void> = Promise.resolve()
    const ctx: RunContext = {
      stack: bench.stack,
      bootstrap: bench.bootstrap,
      kafka,
      workload: allWorkloads({ records100B: RATE * SECONDS, records1KiB: 1 }).find((w) => w.id === 'passthrough.100B')!,
      input: producer.input,
      outputTopic,
      runId,
      logDir: bench.logDir,
      timeoutMs: SECONDS * 1000 + bench.timeoutMs,
      onStarted: () => {
        sending = producer.start()
      },
    }
    await system.run(ctx)
    await sending
    const check = await checkOutput(kafka, outputTopic, 'passthrough', producer.input)
    // The consumer may still be a fetch behind the check: give it a moment to see the last records.
    const expected = RATE * (SECONDS - WARM_UP_MS / 1000)
    for (let i = 0; i < 50 && latencies.length < expected; i++) await new Promise((r) => setTimeout(r, 100))
    const sorted = latencies.sort((a, b) => a - b)
    return {
      valid: check.valid,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      samples: sorted.length,
      problems: check.problems,
    }
  } finally {
    await consumer.disconnect().catch(() => {})
    await kafka.close().catch(() => {})
    const topics = (await bench.admin.listTopics()).filter((t) => t.includes(runId))
    await bench.admin.deleteTopics({ topics }).catch(() => {})
  }
}

export async function latencySection(bench: Bench, runs: number, say: (line: string) => void): Promise<Section> {
  const results = new Map<string, LatencyRun[]>()
  const available = SYSTEMS.filter((s) => !s.alo || supportsAtLeastOnce(bench))
  for (let run = 1; run <= runs; run++) {
    for (const system of available) {
      const result = await measure(bench, system, run).catch(
        (error: Error): LatencyRun => ({
          valid: false,
          p50: Number.NaN,
          p99: Number.NaN,
          samples: 0,
          problems: [error.message],
        }),
      )
      results.set(system.id, [...(results.get(system.id) ?? []), result])
      say(
        `[latency ${run}/${runs}] ${system.id}: p50 ${result.p50} ms, p99 ${result.p99} ms over ${result.samples} records${result.valid ? '' : ` INVALID: ${result.problems.join('; ')}`}`,
      )
    }
  }
  const figures: Figures = {}
  const rows: string[] = []
  for (const system of available) {
    const valid = (results.get(system.id) ?? []).filter((r) => r.valid)
    const p50 = median(valid.map((r) => r.p50))
    const p99 = median(valid.map((r) => r.p99))
    figures[`latency.${system.id}.p50Ms`] = p50 ?? null
    figures[`latency.${system.id}.p99Ms`] = p99 ?? null
    figures[`latency.${system.id}.validRuns`] = valid.length
    rows.push(`| ${system.label} | ${p50 ?? '–'} | ${p99 ?? '–'} | ${valid.length}/${runs} |`)
  }
  const markdown = [
    `Passthrough, 100-byte records at ${RATE} records/s for ${SECONDS} s (the first ${WARM_UP_MS / 1000} s left out), 4 partitions; latency = when a read_committed kafkajs consumer got the record − when the producer sent it. Medians over the valid runs of each run's p50 and p99.`,
    '',
    '| system | p50 ms | p99 ms | valid runs |',
    '|---|--:|--:|--:|',
    ...rows,
  ].join('\n')
  return { title: 'End-to-end latency (read_committed)', figures, markdown }
}
