/**
 * Checkpoint duration by state size: one worker builds keyed state of about S MB
 * (bench/jobs/state-fill.ts: one 10 KiB value per key), then takes checkpoints every second
 * while idle, and the next few completed checkpoints are read from its /status (duration from
 * barrier to head moved, and the snapshot bytes uploaded). Every checkpoint is a full snapshot,
 * so an idle job pays the same as a busy one. The histogram bound from /metrics is kept too.
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Kafka, logLevel } from 'kafkajs'
import { createNamedTopic } from '../../test/integration/helpers/kafka.ts'
import { rssMb } from '../proc.ts'
import type { Figures, Section } from '../report.ts'
import { median } from '../report.ts'
import { type Bench, deleteCheckpoints } from '../run-cell.ts'
import { startOurWorker, waitRunning } from '../systems/our-worker.ts'
import { PARTITIONS } from '../workloads.ts'

const VALUE_BYTES = 10 * 1024

interface CheckpointRun {
  stateMb: number
  durationsMs: number[]
  bytes: number[]
  fillMs: number
  rssMb: number
  histogramP99Le: number
  error?: string
}

async function produceKeys(bootstrap: string, topic: string, keys: number): Promise<void> {
  const kafka = new Kafka({ clientId: 'exactly-bench-state', brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  try {
    for (let i = 0; i < keys; i += 5000) {
      const messages = Array.from({ length: Math.min(5000, keys - i) }, (_, j) => ({ key: `s${i + j}`, value: '1' }))
      await producer.send({ topic, acks: 1, messages })
    }
  } finally {
    await producer.disconnect()
  }
}

/** The upper bound of the bucket holding the p-th observation of a Prometheus histogram, in ms. */
function histogramQuantileMs(metrics: string, name: string, q: number): number {
  const buckets = [...metrics.matchAll(new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\d+)`, 'gm'))].map(
    (m) => [m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2])] as const,
  )
  const total = buckets.at(-1)?.[1] ?? 0
  return (buckets.find(([, count]) => count >= q * total)?.[0] ?? Number.NaN) * 1000
}

async function measure(bench: Bench, stateMb: number, checkpoints: number): Promise<CheckpointRun> {
  const runId = `${bench.id}-state-${stateMb}mb`
  const keys = Math.ceil((stateMb * 1e6) / VALUE_BYTES)
  const input = `${runId}-in`
  const output = `${runId}-out`
  await createNamedTopic(bench.kafkajs, input, PARTITIONS)
  await createNamedTopic(bench.kafkajs, output, PARTITIONS)
  await produceKeys(bench.bootstrap, input, keys)
  const prefix = `bench/${runId}`
  const worker = await startOurWorker(
    bench.stack,
    {
      name: `bench-${runId}`,
      uid: randomUUID(),
      module: 'bench/jobs/state-fill.ts',
      config: { valueBytes: VALUE_BYTES },
      sourceTopics: [input],
      sinkTopic: output,
      prefix,
      intervalMs: 1000,
      delivery: 'exactly-once',
    },
    { attempt: 1, logFile: join(bench.logDir, `${runId}.log`) },
  )
  try {
    const deadline = Date.now() + bench.timeoutMs
    await waitRunning(worker, 60_000)
    const started = Date.now()
    // A worker busy encoding hundreds of MB answers /status late: a slow answer is no failure.
    const poll = () => worker.status().catch(() => undefined)
    let status = await poll()
    while (!(status && status.recordsIn >= keys && status.lag === 0)) {
      if (worker.failure() || Date.now() > deadline)
        throw new Error(worker.failure() ?? 'the state was not built in time')
      await sleep(200)
      status = await poll()
    }
    const fillMs = Date.now() - started
    // The checkpoint under way may have copied part of the state only: start after the next one.
    const skip = (status.lastCheckpoint?.id ?? 0) + 1
    const seen = new Map<number, { durationMs: number; bytes: number }>()
    while (seen.size < checkpoints) {
      if (worker.failure() || Date.now() > deadline) throw new Error(worker.failure() ?? 'too few checkpoints in time')
      const last = (await poll())?.lastCheckpoint
      if (last && last.id > skip) seen.set(last.id, { durationMs: last.durationMs, bytes: last.bytes })
      await sleep(100)
    }
    const metrics = await worker.metrics()
    const rss = rssMb(worker.pid) ?? 0
    await worker.stop()
    return {
      stateMb,
      durationsMs: [...seen.values()].map((c) => c.durationMs),
      bytes: [...seen.values()].map((c) => c.bytes),
      fillMs,
      rssMb: rss,
      histogramP99Le: histogramQuantileMs(metrics, 'exactly_checkpoint_duration_seconds', 0.99),
    }
  } finally {
    worker.kill()
    await bench.admin.deleteTopics({ topics: [input, output] }).catch(() => {})
    await deleteCheckpoints(bench.stack, prefix)
  }
}

function quantile(values: readonly number[], q: number): number | undefined {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

export async function checkpointSection(
  bench: Bench,
  sizesMb: number[],
  say: (line: string) => void,
): Promise<Section> {
  const figures: Figures = {}
  const rows: string[] = []
  for (const size of sizesMb) {
    // Big states take seconds per checkpoint: fewer of them, or this row alone would take many minutes.
    const count = size >= 100 ? 5 : 10
    const run = await measure(bench, size, count).catch(
      (error: Error): CheckpointRun => ({
        stateMb: size,
        durationsMs: [],
        bytes: [],
        fillMs: 0,
        rssMb: 0,
        histogramP99Le: Number.NaN,
        error: error.message,
      }),
    )
    const p50 = quantile(run.durationsMs, 0.5)
    const p99 = quantile(run.durationsMs, 0.99)
    const bytes = median(run.bytes)
    const k = `checkpoint.${size}MB.ours`
    figures[`${k}.p50Ms`] = p50 ?? null
    figures[`${k}.p99Ms`] = p99 ?? null
    figures[`${k}.bytesPerCheckpoint`] = bytes ?? null
    figures[`${k}.checkpoints`] = run.durationsMs.length
    figures[`${k}.histogramP99BucketMs`] = Number.isFinite(run.histogramP99Le) ? run.histogramP99Le : null
    figures[`${k}.workerRssMb`] = run.rssMb
    if (run.error) figures[`${k}.error`] = run.error
    say(
      `[checkpoint ${size} MB] p50 ${p50} ms, p99 ${p99} ms, ${bytes} bytes, ${run.durationsMs.length} checkpoints${run.error ? `, FAILED: ${run.error}` : ''}`,
    )
    const mb = bytes !== undefined ? (bytes / 1e6).toFixed(1) : '–'
    rows.push(
      run.error
        ? `| ${size} MB | failed: ${run.error} | | | | |`
        : `| ${size} MB | ${p50} | ${p99} (max of ${run.durationsMs.length}) | ${mb} | ${run.rssMb} | ${(run.fillMs / 1000).toFixed(1)} s |`,
    )
  }
  const markdown = [
    'One worker (parallelism 1, 4 tasks) holds keyed state of the given size (one 10 KiB pseudo-random value per key) and checkpoints every second while idle; duration = barrier to head moved, as the worker reports it in /status for each checkpoint; bytes = snapshot bytes uploaded to S3 (SeaweedFS on the same machine). Every checkpoint is a full snapshot. One run per size.',
    '',
    '| state | p50 ms | p99 ms | MB uploaded per checkpoint | worker RSS MB | time to build the state |',
    '|---|--:|--:|--:|--:|--:|',
    ...rows,
  ].join('\n')
  return { title: 'Checkpoint duration by state size', figures, markdown }
}
