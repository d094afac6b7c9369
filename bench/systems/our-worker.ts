/**
 * One `exactly worker` process for the benchmark, configured as
 * test/integration/helpers/worker-process.ts configures the tests' workers, with the knobs the
 * benchmark turns: the checkpoint interval and the delivery mode. Parallelism 1: one slot owns
 * all four partitions, so one process does all the work and its CPU time is the system's.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { WorkerStatus } from '../../contract/worker-status.ts'
import type { SecuredAccess } from '../../stack/kafka-credentials.ts'
import { freePort } from '../../stack/ports.ts'
import { OwnedGroups, signalChild } from '../../stack/process-group.ts'
import { REPO_ROOT } from '../../stack/repo-root.ts'
import type { StackInfo } from '../../stack/stack.ts'
import { waitFor } from '../../stack/wait.ts'

export type Delivery = 'exactly-once' | 'at-least-once'

export interface OurJob {
  name: string
  uid: string
  /** Path of the job module, absolute or relative to the repository. */
  module: string
  config?: unknown
  sourceTopics: string[]
  sinkTopic: string
  /** Key prefix of the job's checkpoints in the bucket. */
  prefix: string
  intervalMs: number
  delivery: Delivery
  /** `checkpoint.incremental` of the worker config (`maxDeltas: 0`: a full snapshot every time). */
  incremental?: { maxDeltas: number; maxDeltaRatio: number }
  /** A secured listener and its credentials instead of plaintext (stack/kafka-credentials.ts). */
  access?: SecuredAccess
}

export interface OurWorker {
  readonly pid: number
  readonly port: number
  readonly child: ChildProcess
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  status(): Promise<WorkerStatus>
  metrics(): Promise<string>
  /** SIGTERM: final checkpoint, commit, exit 0. Waits for the exit; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
  kill(): void
  /** Why the process ended early, if it did (for failing a run with a reason). */
  failure(): string | undefined
}

export function workerConfig(stack: StackInfo, job: OurJob, port: number, attempt: number): Record<string, unknown> {
  if (!stack.kafka || !stack.s3) throw new Error('The benchmark stack has no Kafka or S3 server')
  return {
    formatVersion: 1,
    job: {
      namespace: 'bench',
      name: job.name,
      uid: job.uid,
      module: job.module.startsWith('/') ? job.module : join(REPO_ROOT, job.module),
      config: job.config ?? {},
      onError: { kind: 'fail' },
    },
    slot: 0,
    parallelism: 1,
    generation: 1,
    attempt,
    kafka: {
      bootstrapServers: [job.access?.bootstrap ?? stack.kafka.bootstrap],
      ...(job.access ? { security: job.access.security, transactionalIdPrefix: job.access.transactionalIdPrefix } : {}),
      sourceTopics: job.sourceTopics,
      startFrom: 'earliest',
      sinkTopic: job.sinkTopic,
      transactionTimeoutMs: 120_000,
      // Only sent when asked for, so an exactly-once run works with any worker version.
      ...(job.delivery === 'at-least-once' ? { delivery: 'at-least-once' } : {}),
      // For experiments: BENCH_WORKER_READ='{"sliceRecords":5000}' (docs/performance.md, "Experiments").
      ...(process.env.BENCH_WORKER_READ ? { read: JSON.parse(process.env.BENCH_WORKER_READ) } : {}),
    },
    checkpoint: {
      intervalMs: job.intervalMs,
      timeoutMs: 60_000,
      retained: 2,
      ...(job.incremental ? { incremental: job.incremental } : {}),
      storage: { bucket: stack.s3.bucket, prefix: job.prefix, endpoint: stack.s3.endpoint, region: stack.s3.region },
    },
    http: { host: '127.0.0.1', port },
  }
}

export async function startOurWorker(
  stack: StackInfo,
  job: OurJob,
  options: { attempt: number; logFile: string },
): Promise<OurWorker> {
  const port = await freePort()
  const log = createWriteStream(options.logFile, { flags: 'a' })
  const child = spawn(
    process.execPath,
    [
      // For experiments: BENCH_WORKER_NODE_ARGS='--trace-gc' (NODE_OPTIONS refuses some V8 flags).
      ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      join(REPO_ROOT, 'runtime/cli/exactly.ts'),
      'worker',
    ],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        EXACTLY_WORKER_CONFIG: JSON.stringify(workerConfig(stack, job, port, options.attempt)),
        AWS_ACCESS_KEY_ID: stack.s3!.accessKeyId,
        AWS_SECRET_ACCESS_KEY: stack.s3!.secretAccessKey,
        EXACTLY_FAILPOINTS: '',
        // As the image runs it (Dockerfile: ENV NODE_COMPILE_CACHE): the cache is on from the
        // process's first line, so even the CLI's own module is compiled from it.
        NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'exactly-bench-compile-cache'),
      },
    },
  )
  child.stdout?.pipe(log, { end: false })
  child.stderr?.pipe(log, { end: false })
  let ended: string | undefined
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      log.end(() => {
        ended = `the worker exited (code ${code}, signal ${signal})${lastProblem(options.logFile)}; see ${options.logFile}`
        resolve({ code, signal })
      })
    }),
  )
  workers.add(child)
  const url = (path: string) => `http://127.0.0.1:${port}${path}`
  const kill = () => signalChild(child, 'SIGKILL')
  return {
    pid: child.pid!,
    port,
    child,
    exited,
    status: async () =>
      (await (await fetch(url('/status'), { signal: AbortSignal.timeout(3000) })).json()) as WorkerStatus,
    metrics: async () => (await fetch(url('/metrics'), { signal: AbortSignal.timeout(30_000) })).text(),
    async stop(graceMs = 90_000) {
      if (ended) return
      // SIGTERM takes the same path as the operator's signed POST /stop: a final checkpoint, exit 0.
      child.kill('SIGTERM')
      const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)])
      if (!done) {
        kill()
        await exited
      }
    },
    kill,
    failure: () => ended,
  }
}

/** The last error (and the warning before it) the worker logged, for a failure message. */
function lastProblem(logFile: string): string {
  const problems: string[] = []
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      const entry = JSON.parse(line) as { level: number; msg?: string; error?: string; err?: { message?: string } }
      if (entry.level >= 40) problems.push(entry.err?.message ?? entry.error ?? entry.msg ?? '')
    } catch {}
  }
  const [before, last] = problems.slice(-2)
  if (!last) return before ? `: ${before}` : ''
  return before && before !== last ? `: ${last} (the warning before: ${before})` : `: ${last}`
}

/** Polls /status until the worker runs (restored); fails if it exits first or after `timeoutMs`. */
export function waitRunning(worker: OurWorker, timeoutMs: number): Promise<WorkerStatus> {
  let failed: string | undefined
  const running = async () => {
    const status = await worker.status()
    if (status.phase === 'Failed') failed = `The worker failed: ${status.failure?.message}`
    return status.phase === 'Running' ? status : undefined
  }
  // Often: the moment it runs starts the measured window, so look often.
  return waitFor('the worker runs', running, timeoutMs, { intervalMs: 10, failure: () => worker.failure() ?? failed })
}

const workers = new OwnedGroups()

/** Kills every worker still running: the benchmark never leaves one behind, even when it fails. */
export function killAllWorkers(): void {
  workers.killAll()
}
