/**
 * Our runtime on one workload: one `exactly worker` (parallelism 1) from offset earliest on the
 * preloaded topic, until its read_committed output is complete. CPU time is read from /proc
 * twice: when the worker reports Running (start-up and restore excluded) and when its output is
 * all written (before it idles towards the last commit). Then a stop commits the rest. The
 * checkpoint figures come from the worker's own /metrics.
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseWorkerConfig } from '../../contract/worker-config.ts'
import { securedAccess } from '../../stack/kafka-credentials.ts'
import { kafkaFor } from '../../stack/topics.ts'
import { cpuMs, rssMb } from '../proc.ts'
import type { JobKind } from '../workloads.ts'
import { type Delivery, type OurJob, startOurWorker, waitRunning, workerConfig } from './our-worker.ts'
import { expectedCounts, type RunContext, type SystemRun, Unavailable, watchOutput } from './system.ts'

export interface OurMode {
  delivery: Delivery
  intervalMs: number
  /** Over the SASL_SSL listener as a SCRAM-SHA-512 user with exactly the job's ACLs, instead of plaintext. */
  saslSsl?: boolean
}

const MODULES: Record<JobKind, string> = {
  passthrough: 'bench/jobs/passthrough.ts',
  keyedCount: 'bench/jobs/keyed-count.ts',
  windowedCount: 'bench/jobs/windowed-count.ts',
  bank: 'examples/bank-transfers/job.ts',
}

export function ourJob(ctx: RunContext, mode: OurMode): OurJob {
  const bank = ctx.workload.job === 'bank'
  return {
    name: `bench-${ctx.runId}`,
    uid: randomUUID(),
    module: MODULES[ctx.workload.job],
    ...(bank ? { config: { creditsTopic: ctx.creditsTopic } } : {}),
    sourceTopics: bank ? [ctx.input.topic, ctx.creditsTopic!] : [ctx.input.topic],
    sinkTopic: ctx.outputTopic,
    prefix: `bench/${ctx.runId}`,
    intervalMs: mode.intervalMs,
    delivery: mode.delivery,
  }
}

/**
 * Whether this worker knows `kafka.delivery: "at-least-once"`. Its config schema drops fields
 * it does not know, so a worker without the feature would silently run exactly-once: ask the
 * parser itself instead of trusting that the worker started.
 */
export function supportsAtLeastOnce(ctx: Pick<RunContext, 'stack'>): boolean {
  const job = { name: 'probe', uid: 'probe', module: 'bench/jobs/passthrough.ts', sourceTopics: ['a'], sinkTopic: 'b' }
  const config = workerConfig(ctx.stack, { ...job, prefix: 'p', intervalMs: 1000, delivery: 'at-least-once' }, 1, 1)
  try {
    const parsed = parseWorkerConfig(JSON.stringify(config)) as { kafka: Record<string, unknown> }
    return parsed.kafka.delivery === 'at-least-once'
  } catch {
    return false
  }
}

export async function runOurs(ctx: RunContext, mode: OurMode): Promise<SystemRun> {
  if (mode.delivery === 'at-least-once' && !supportsAtLeastOnce(ctx)) {
    throw new Unavailable('this worker has no kafka.delivery "at-least-once" yet')
  }
  const expected = expectedCounts(ctx.workload, ctx.input)
  const job = ourJob(ctx, mode)
  if (mode.saslSsl) {
    const security = ctx.stack.kafka?.security
    if (!security) throw new Unavailable('the benchmark broker has no SASL_SSL listener')
    job.access = await securedAccess(kafkaFor(ctx.bootstrap), security, 'scram-sha-512', 'job-e', {
      sourceTopics: job.sourceTopics,
      sinkTopic: job.sinkTopic,
      ...(ctx.creditsTopic ? { loopBackTopics: [ctx.creditsTopic] } : {}),
    })
  }
  const worker = await startOurWorker(ctx.stack, job, {
    attempt: 1,
    logFile: join(ctx.logDir, `${ctx.runId}.log`),
  })
  const watch = watchOutput(ctx, expected.out)
  watch.start()
  try {
    await waitRunning(worker, 60_000)
    const cpuAtStart = cpuMs(worker.pid) ?? 0
    const runningAt = Date.now()
    ctx.onStarted?.()
    const writtenAt = await watch.written(runningAt + ctx.timeoutMs, () => worker.failure())
    if (writtenAt === undefined) throw new Error(`our worker did not write its output within ${ctx.timeoutMs} ms`)
    const cpuAtEnd = cpuMs(worker.pid) ?? cpuAtStart
    const rss = rssMb(worker.pid) ?? 0
    const checkpoints = checkpointFigures(await worker.metrics())
    // Transaction markers count in the high watermark: the worker may still have a few records
    // to read (while a producer still sends, in the latency rows). Stop only once it read them all.
    for (;;) {
      const status = await worker.status().catch(() => undefined)
      if (status && status.recordsIn >= expected.in && status.lag === 0) break
      if (worker.failure()) throw new Error(worker.failure())
      if (Date.now() > runningAt + ctx.timeoutMs)
        throw new Error(`our worker read ${status?.recordsIn} of ${expected.in} records`)
      await sleep(20)
    }
    // A stop takes a final checkpoint at once and commits it: the rest of the output becomes
    // visible without waiting for the next interval (10 s in some cells).
    const stopStarted = Date.now()
    await worker.stop()
    if ((await worker.exited).code !== 0) throw new Error(worker.failure() ?? 'our worker did not stop cleanly')
    return {
      // Running is the end of the restore: the worker fetches its first records right after.
      elapsedMs: watch.writtenAt() - runningAt,
      cpuMs: cpuAtEnd - cpuAtStart,
      extra: {
        startupCpuMs: cpuAtStart,
        writtenMs: writtenAt - runningAt,
        stopMs: Date.now() - stopStarted,
        rssMb: rss,
        ...checkpoints,
      },
    }
  } finally {
    worker.kill()
    await watch.close()
  }
}

/** Checkpoint count, mean duration and last size, and the own-output wait, from the worker's /metrics text. */
export function checkpointFigures(metrics: string): Record<string, number> {
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(metrics)?.[1])
  const count = value('exactly_checkpoint_duration_seconds_count')
  const sum = value('exactly_checkpoint_duration_seconds_sum')
  const bytes = value('exactly_checkpoint_size_bytes')
  const ownOutputWait = value('exactly_own_output_wait_seconds_total')
  return {
    checkpoints: Number.isFinite(count) ? count : 0,
    checkpointMeanMs: count > 0 ? (sum / count) * 1000 : 0,
    checkpointBytes: Number.isFinite(bytes) ? bytes : 0,
    // Idle because its own repartitioned records were not yet committed (bank under exactly-once).
    ownOutputWaitMs: Number.isFinite(ownOutputWait) ? Math.round(ownOutputWait * 1000) : 0,
  }
}
