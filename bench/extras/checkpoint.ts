/**
 * Checkpoint duration by state size, full snapshots against incremental ones. One worker builds
 * keyed state of about S MB (bench/jobs/state-fill.ts: one 10 KiB value per key); then, while
 * updates to random keys arrive at a fixed rate, the next completed checkpoints are read from its
 * /status (duration from barrier to head moved, and the bytes uploaded). The same state and the
 * same updates run twice: with `checkpoint.incremental.maxDeltas: 0` (a full snapshot of every
 * task at every checkpoint, what the worker did before incremental checkpoints) and with the
 * defaults (a delta of the changed keys; a task's chain rebased now and then, spread over
 * checkpoints).
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { createNamedTopic } from '../../stack/topics.ts'
import { rssMb } from '../proc.ts'
import type { Figures, Section } from '../report.ts'
import { median } from '../report.ts'
import { type Bench, deleteCheckpoints } from '../run-cell.ts'
import { startOurWorker, waitRunning } from '../systems/our-worker.ts'
import { PARTITIONS } from '../workloads.ts'

const VALUE_BYTES = 10 * 1024
/** Updates per second while checkpoints are measured: 2 MB/s of changed state. */
const UPDATES_PER_SEC = 200
const MODES = {
  full: { maxDeltas: 0, maxDeltaRatio: 1 },
  incremental: { maxDeltas: 16, maxDeltaRatio: 1 },
} as const
type Mode = keyof typeof MODES

interface CheckpointRun {
  stateMb: number
  mode: Mode
  durationsMs: number[]
  bytes: number[]
  fillMs: number
  rssMb: number
  /** Task snapshots by kind over the measured checkpoints (from the worker's counter). */
  kinds: Record<string, number>
  error?: string
}

async function produceKeys(producer: Producer, topic: string, keys: number): Promise<void> {
  for (let i = 0; i < keys; i += 5000) {
    const messages = Array.from({ length: Math.min(5000, keys - i) }, (_, j) => ({ key: `s${i + j}`, value: '1' }))
    await producer.send({ topic, acks: 1, messages })
  }
}

/** Sends UPDATES_PER_SEC updates to random existing keys every 100 ms, in tenths, until stopped. */
function startUpdates(producer: Producer, topic: string, keys: number): () => Promise<void> {
  let running = true
  let seq = 0
  const loop = (async () => {
    while (running) {
      const messages = Array.from({ length: UPDATES_PER_SEC / 10 }, () => ({
        key: `s${Math.floor(Math.random() * keys)}`,
        value: `u${seq++}`,
      }))
      await producer.send({ topic, acks: 1, messages })
      await sleep(100)
    }
  })()
  return async () => {
    running = false
    await loop
  }
}

function snapshotKinds(metrics: string): Record<string, number> {
  const kinds: Record<string, number> = {}
  for (const m of metrics.matchAll(/^exactly_task_snapshots_total\{[^}]*kind="(\w+)"[^}]*\} (\d+)/gm))
    kinds[m[1]!] = Number(m[2])
  return kinds
}

async function measure(bench: Bench, stateMb: number, mode: Mode, checkpoints: number): Promise<CheckpointRun> {
  const runId = `${bench.id}-state-${stateMb}mb-${mode}`
  const keys = Math.ceil((stateMb * 1e6) / VALUE_BYTES)
  const input = `${runId}-in`
  const output = `${runId}-out`
  await createNamedTopic(bench.kafkajs, input, PARTITIONS)
  await createNamedTopic(bench.kafkajs, output, PARTITIONS)
  const kafka = new Kafka({ clientId: 'exactly-bench-state', brokers: [bench.bootstrap], logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  await produceKeys(producer, input, keys)
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
      incremental: MODES[mode],
    },
    { attempt: 1, logFile: join(bench.logDir, `${runId}.log`) },
  )
  let stopUpdates: (() => Promise<void>) | undefined
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
    stopUpdates = startUpdates(producer, input, keys)
    // Start after a checkpoint that began once the updates flowed, so every measured one has
    // a second of updates to store; the chains are as the fill left them (rebased as they go).
    const skip = (status.lastCheckpoint?.id ?? 0) + 2
    const kindsBefore = snapshotKinds(await worker.metrics())
    const seen = new Map<number, { durationMs: number; bytes: number }>()
    while (seen.size < checkpoints) {
      if (worker.failure() || Date.now() > deadline) throw new Error(worker.failure() ?? 'too few checkpoints in time')
      // /status names the last checkpoint only; polled every 50 ms, a checkpoint a second is not missed.
      const last = (await poll())?.lastCheckpoint
      if (last && last.id > skip) seen.set(last.id, { durationMs: last.durationMs, bytes: last.bytes })
      await sleep(50)
    }
    const metrics = await worker.metrics()
    const kindsAfter = snapshotKinds(metrics)
    const kinds = Object.fromEntries(
      Object.entries(kindsAfter).map(([kind, n]) => [kind, n - (kindsBefore[kind] ?? 0)]),
    )
    const rss = rssMb(worker.pid) ?? 0
    await stopUpdates()
    stopUpdates = undefined
    await worker.stop()
    return {
      stateMb,
      mode,
      durationsMs: [...seen.values()].map((c) => c.durationMs),
      bytes: [...seen.values()].map((c) => c.bytes),
      fillMs,
      rssMb: rss,
      kinds,
    }
  } finally {
    await stopUpdates?.().catch(() => {})
    await producer.disconnect()
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
    for (const mode of Object.keys(MODES) as Mode[]) {
      // Full snapshots of big states take seconds each: fewer of them, or this row alone would take many minutes.
      const count = mode === 'full' && size >= 100 ? 5 : 20
      const run = await measure(bench, size, mode, count).catch(
        (error: Error): CheckpointRun => ({
          stateMb: size,
          mode,
          durationsMs: [],
          bytes: [],
          fillMs: 0,
          rssMb: 0,
          kinds: {},
          error: error.message,
        }),
      )
      const p50 = quantile(run.durationsMs, 0.5)
      const p99 = quantile(run.durationsMs, 0.99)
      const bytes = median(run.bytes)
      const k = `checkpoint.${size}MB.ours.${mode}`
      figures[`${k}.p50Ms`] = p50 ?? null
      figures[`${k}.p99Ms`] = p99 ?? null
      figures[`${k}.bytesPerCheckpoint`] = bytes ?? null
      figures[`${k}.checkpoints`] = run.durationsMs.length
      figures[`${k}.workerRssMb`] = run.rssMb
      for (const [kind, n] of Object.entries(run.kinds)) figures[`${k}.taskSnapshots.${kind}`] = n
      if (run.error) figures[`${k}.error`] = run.error
      const kinds = Object.entries(run.kinds)
        .filter(([, n]) => n > 0)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ')
      say(
        `[checkpoint ${size} MB ${mode}] p50 ${p50} ms, p99 ${p99} ms, ${bytes} bytes, ${run.durationsMs.length} checkpoints (${kinds})${run.error ? `, FAILED: ${run.error}` : ''}`,
      )
      const mb = bytes !== undefined ? (bytes / 1e6).toFixed(1) : '–'
      rows.push(
        run.error
          ? `| ${size} MB | ${mode} | failed: ${run.error} | | | | | |`
          : `| ${size} MB | ${mode} | ${p50} | ${p99} (max of ${run.durationsMs.length}) | ${mb} | ${kinds} | ${run.rssMb} | ${(run.fillMs / 1000).toFixed(1)} s |`,
      )
    }
  }
  const markdown = [
    `One worker (parallelism 1, 4 tasks) holds keyed state of the given size (one 10 KiB pseudo-random value per key) and checkpoints every second while ${UPDATES_PER_SEC} updates/s to random keys arrive (${((UPDATES_PER_SEC * VALUE_BYTES) / 1e6).toFixed(1)} MB/s of changed state). Duration = barrier to head moved, as the worker reports it in /status for each checkpoint; bytes = what the checkpoint uploaded to S3 (SeaweedFS on the same machine). **full**: a full snapshot of every task at every checkpoint (\`checkpoint.incremental.maxDeltas: 0\`). **incremental**: the defaults (a delta of the changed keys; past 16 deltas, or when its deltas outweigh its base, a task's chain is rebased over several checkpoints, each delta then also carrying one 8 MiB bucket of the task's keys; one task at a time). Task snapshots: what the checkpoints stored per task while measured (rebase = a delta carrying a bucket). One run per size and mode.`,
    '',
    '| state | mode | p50 ms | p99 ms | MB uploaded per checkpoint (median) | task snapshots | worker RSS MB | time to build the state |',
    '|---|---|--:|--:|--:|---|--:|--:|',
    ...rows,
  ].join('\n')
  return { title: 'Checkpoint duration by state size', figures, markdown }
}
