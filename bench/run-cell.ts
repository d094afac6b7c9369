/**
 * One run of one cell on one workload: fresh output topics, the system's run, the correctness
 * check, the figures, and the topics and checkpoints deleted again (a full benchmark writes
 * gigabytes otherwise). Whatever goes wrong becomes the run's outcome, never an exception: one
 * broken run must not lose the others.
 */
import type { Admin, Kafka } from 'kafkajs'
import { KafkajsClient } from '../runtime/kafka/kafkajs/kafkajs-client.ts'
import { s3StoreFromEnv } from '../runtime/storage/s3.ts'
import type { StackInfo } from '../stack/stack.ts'
import { createNamedTopic } from '../stack/topics.ts'
import type { Cell } from './cells.ts'
import { checkOutput } from './check-output.ts'
import { loadAverage } from './machine.ts'
import type { PreloadedInput } from './preload.ts'
import { type RunContext, Unavailable } from './systems/system.ts'
import { PARTITIONS, type Workload } from './workloads.ts'

export type Outcome = 'valid' | 'invalid' | 'failed' | 'unavailable'

export interface RunRecord {
  run: number
  workload: string
  cell: string
  outcome: Outcome
  /** Source records per second (bank: commands), first to last output record. */
  recordsPerSec?: number
  /** CPU time of the system's process per source record. */
  cpuMicrosPerRecord?: number
  elapsedMs?: number
  cpuMs?: number
  extra?: Record<string, number>
  /** Why the run is invalid, failed or unavailable. */
  problems?: string[]
  /** The 1-minute load average when the run ended: a busy machine shows here. */
  loadAverage: number
}

export interface Bench {
  stack: StackInfo
  bootstrap: string
  /** kafkajs, for creating topics; `admin` stays connected for listing and deleting them. */
  kafkajs: Kafka
  admin: Admin
  /** Unique per `make bench` invocation: the prefix of every topic and checkpoint it makes. */
  id: string
  logDir: string
  timeoutMs: number
}

let sequence = 0

export async function runCell(
  bench: Bench,
  cell: Cell,
  workload: Workload,
  input: PreloadedInput,
  run: number,
): Promise<RunRecord> {
  const runId = `${bench.id}-${++sequence}-${cell.id.replaceAll('.', '-')}`
  const base = { run, workload: workload.id, cell: cell.id }
  // A client per run: kafkajs keeps refreshing the metadata of every topic a client ever used,
  // and fails the whole refresh once one of them (an earlier run's output) has been deleted.
  const kafka = new KafkajsClient({ brokers: [bench.bootstrap], clientId: `exactly-bench-${runId}` })
  const ctx: RunContext = {
    stack: bench.stack,
    bootstrap: bench.bootstrap,
    kafka,
    workload,
    input,
    outputTopic: `${runId}-out`,
    ...(workload.job === 'bank' ? { creditsTopic: `${runId}-credits` } : {}),
    runId,
    logDir: bench.logDir,
    timeoutMs: bench.timeoutMs,
  }
  try {
    await kafka.connect()
    await createNamedTopic(bench.kafkajs, ctx.outputTopic, PARTITIONS)
    if (ctx.creditsTopic) await createNamedTopic(bench.kafkajs, ctx.creditsTopic, PARTITIONS)
    const result = await cell.run(ctx)
    const records = input.shape.records
    const figures = {
      recordsPerSec: records / (result.elapsedMs / 1000),
      cpuMicrosPerRecord: (result.cpuMs * 1000) / records,
      elapsedMs: result.elapsedMs,
      cpuMs: result.cpuMs,
      extra: result.extra,
    }
    if (!cell.checked) return { ...base, outcome: 'valid', ...figures, loadAverage: loadAverage() }
    const check = await checkOutput(kafka, ctx.outputTopic, workload.job, input)
    const problems = check.valid ? [] : check.problems
    if (!Number.isFinite(result.elapsedMs)) problems.push('no time measured: the output was never seen complete')
    return {
      ...base,
      outcome: problems.length === 0 ? 'valid' : 'invalid',
      ...figures,
      extra: {
        ...result.extra,
        outputRecords: check.records,
        duplicates: check.duplicates,
        // For the record: first to last CreateTime of the output (stamped when a writer queued it).
        outputCreateTimeSpanMs: check.lastTimestamp - check.firstTimestamp,
      },
      ...(problems.length > 0 ? { problems } : {}),
      loadAverage: loadAverage(),
    }
  } catch (error) {
    const outcome: Outcome = error instanceof Unavailable ? 'unavailable' : 'failed'
    return { ...base, outcome, problems: [(error as Error).message], loadAverage: loadAverage() }
  } finally {
    await kafka.close().catch(() => {})
    await cleanUp(bench, runId)
  }
}

/** Deletes the run's topics (Kafka Streams' internal ones too: they carry the run id) and checkpoints. */
async function cleanUp(bench: Bench, runId: string): Promise<void> {
  try {
    const topics = (await bench.admin.listTopics()).filter((t) => t.includes(runId))
    if (topics.length > 0) await bench.admin.deleteTopics({ topics, timeout: 30_000 })
  } catch (error) {
    console.warn(`  (could not delete the topics of ${runId}: ${(error as Error).message})`)
  }
  await deleteCheckpoints(bench.stack, `bench/${runId}`)
}

export async function deleteCheckpoints(stack: StackInfo, prefix: string): Promise<void> {
  if (!stack.s3) return
  const s3 = stack.s3
  try {
    const store = s3StoreFromEnv(
      { bucket: s3.bucket, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true },
      { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey },
    )
    const keys = await store.list(prefix)
    for (let i = 0; i < keys.length; i += 500) await store.delete(keys.slice(i, i + 500))
  } catch (error) {
    console.warn(`  (could not delete the checkpoints under ${prefix}: ${(error as Error).message})`)
  }
}
