/**
 * Runs `exactly worker` as a real child process (its own process group) for end-to-end tests:
 * the tests kill it with real signals, read its /status over HTTP and keep its log for the
 * failure message.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { RecoverConfig } from '../../../contract/recover-config.ts'
import type { SecuredAccess } from '../../../stack/kafka-credentials.ts'
import { freePort } from '../../../stack/ports.ts'
import { OwnedGroups, signalChild } from '../../../stack/process-group.ts'
import { REPO_ROOT } from '../../../stack/repo-root.ts'
import { runExactly } from '../../../stack/run-command.ts'
import type { StackInfo } from '../../../stack/stack.ts'
import { waitFor } from '../../../stack/wait.ts'

const logDir = mkdtempSync(join(tmpdir(), 'exactly-workers-'))

export interface JobSpec {
  name: string
  uid: string
  module: string
  config?: unknown
  onError?: { kind: 'fail' } | { kind: 'dead-letter'; topic: string }
  /** `kafka.delivery` of the worker config; exactly-once when absent. */
  delivery?: 'exactly-once' | 'at-least-once'
  /** `checkpoint.incremental` of the worker config; its defaults when absent. */
  incremental?: { maxDeltas: number; maxDeltaRatio: number }
  /** `stopKey` of the worker config: the public key a POST /stop must be signed with. */
  stopKey?: string
  sourceTopics: string[]
  sinkTopic: string
  /** `kafka.lineageTopic`: each task's processing order, written with the output. */
  lineageTopic?: string
  /** A secured listener instead of the stack's plaintext one (stack/kafka-credentials.ts). */
  access?: SecuredAccess
  /** `kafka.startAt`: where tasks without a checkpoint start (runtime/source/start-position.ts). */
  startAt?: { timestampMs?: number; offsets?: Record<string, string> }
  parallelism: number
  prefix: string
  /** `kafka.hangingTransactions`: how often, and after how long, the running watch reports them. */
  hangingTransactions?: { checkIntervalMs: number; afterMs: number }
  intervalMs?: number
  timeoutMs?: number
}

export interface WorkerExit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface WorkerProcess {
  readonly port: number
  readonly child: ChildProcess
  readonly exited: Promise<WorkerExit>
  readonly logFile: string
  status(): Promise<Record<string, unknown> & { phase: string; lag?: number; ready: boolean }>
  /** The log's last lines, for assertion messages. */
  tail(lines?: number): string
  signal(signal: NodeJS.Signals): void
}

export async function startWorker(
  stack: StackInfo,
  job: JobSpec,
  slot: number,
  options: {
    generation?: number
    parallelism?: number
    attempt: number
    failpoints?: string
    /** More environment for the worker process (a test job's own settings). */
    env?: Record<string, string>
  },
): Promise<WorkerProcess> {
  if (!stack.kafka || !stack.s3) throw new Error('The integration stack has no Kafka or S3 server')
  const port = await freePort()
  const config = {
    formatVersion: 1,
    job: {
      namespace: 'test',
      name: job.name,
      uid: job.uid,
      module: job.module,
      config: job.config ?? {},
      onError: job.onError ?? { kind: 'fail' },
    },
    slot,
    parallelism: options.parallelism ?? job.parallelism,
    generation: options.generation ?? 1,
    attempt: options.attempt,
    kafka: {
      bootstrapServers: [job.access?.bootstrap ?? stack.kafka.bootstrap],
      ...(job.access ? { security: job.access.security, transactionalIdPrefix: job.access.transactionalIdPrefix } : {}),
      sourceTopics: job.sourceTopics,
      startFrom: 'earliest',
      ...(job.startAt ? { startAt: job.startAt } : {}),
      sinkTopic: job.sinkTopic,
      ...(job.lineageTopic ? { lineageTopic: job.lineageTopic } : {}),
      transactionTimeoutMs: 60_000,
      ...(job.delivery ? { delivery: job.delivery } : {}),
      ...(job.hangingTransactions ? { hangingTransactions: job.hangingTransactions } : {}),
    },
    checkpoint: {
      intervalMs: job.intervalMs ?? 400,
      timeoutMs: job.timeoutMs ?? 15_000,
      retained: 2,
      ...(job.incremental ? { incremental: job.incremental } : {}),
      storage: { bucket: stack.s3.bucket, prefix: job.prefix, endpoint: stack.s3.endpoint, region: stack.s3.region },
    },
    ...(job.stopKey ? { stopKey: job.stopKey } : {}),
    http: { host: '127.0.0.1', port },
  }
  const logFile = join(logDir, `${job.name}-g${options.generation ?? 1}-s${slot}-a${options.attempt}.log`)
  const log = createWriteStream(logFile)
  const child = spawn(process.execPath, [join(REPO_ROOT, 'runtime/cli/exactly.ts'), 'worker'], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      EXACTLY_WORKER_CONFIG: JSON.stringify(config),
      AWS_ACCESS_KEY_ID: stack.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stack.s3.secretAccessKey,
      EXACTLY_FAILPOINTS: options.failpoints ?? '',
      ...options.env,
    },
  })
  child.stdout?.pipe(log, { end: false })
  child.stderr?.pipe(log, { end: false })
  // 'close' comes after the output pipes drained; then the log file is flushed before anyone reads it.
  const exited = new Promise<WorkerExit>((resolve) =>
    child.once('close', (code, signal) => log.end(() => resolve({ code, signal }))),
  )
  workers.add(child)
  const tail = (lines = 30) => {
    try {
      return readFileSync(logFile, 'utf8').trim().split('\n').slice(-lines).join('\n')
    } catch {
      return '(no log)'
    }
  }
  return {
    port,
    child,
    exited,
    logFile,
    tail,
    signal: (signal) => signalChild(child, signal),
    status: async () => {
      const res = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(2000) })
      return (await res.json()) as Record<string, unknown> & { phase: string; lag?: number; ready: boolean }
    },
  }
}

const workers = new OwnedGroups()

/** Kills every worker this file started that still runs (a test that failed midway leaves some). */
export function stopAllWorkers(): void {
  workers.killAll()
}

/**
 * The worker tests' form of waitFor: a yes-or-no check, and `describe()` (what did not happen, and
 * the log's end) made only when the time is up.
 */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  await waitFor('the check passes', check, timeoutMs, { intervalMs: 100, detail: describe })
}

/** Waits for the worker to exit; fails (with its log) after `timeoutMs`. */
export async function waitForExit(worker: WorkerProcess, timeoutMs: number): Promise<WorkerExit> {
  const timeout = sleep(timeoutMs).then(() => 'timeout' as const)
  const result = await Promise.race([worker.exited, timeout])
  if (result === 'timeout') {
    worker.signal('SIGKILL')
    throw new Error(`Worker did not exit within ${timeoutMs} ms; its log ends:\n${worker.tail()}`)
  }
  return result
}

/** Runs `exactly recover` to completion: closes `generation` and writes the restore point of `nextGeneration`. */
export async function runRecover(
  stack: StackInfo,
  job: JobSpec,
  options: {
    generation: number
    parallelism: number
    nextGeneration: number
    restore?: RecoverConfig['restore']
    savepoint?: string
    disposeSavepoints?: string[]
  },
): Promise<{ code: number; summary: Record<string, unknown> | undefined; stderr: string }> {
  if (!stack.kafka || !stack.s3) throw new Error('The integration stack has no Kafka or S3 server')
  const config = {
    formatVersion: 1,
    job: { namespace: 'test', name: job.name, uid: job.uid },
    generation: options.generation,
    parallelism: options.parallelism,
    nextGeneration: options.nextGeneration,
    reason: `test: ${options.generation} -> ${options.nextGeneration}`,
    ...(options.restore ? { restore: options.restore } : {}),
    ...(options.savepoint ? { savepoint: options.savepoint } : {}),
    ...(options.disposeSavepoints ? { disposeSavepoints: options.disposeSavepoints } : {}),
    kafka: {
      bootstrapServers: [job.access?.bootstrap ?? stack.kafka.bootstrap],
      ...(job.access ? { security: job.access.security, transactionalIdPrefix: job.access.transactionalIdPrefix } : {}),
      sourceTopics: job.sourceTopics,
      outputTopics: [job.sinkTopic, ...(job.onError?.kind === 'dead-letter' ? [job.onError.topic] : [])],
      startFrom: 'earliest',
      transactionTimeoutMs: 60_000,
    },
    checkpoint: {
      storage: { bucket: stack.s3.bucket, prefix: job.prefix, endpoint: stack.s3.endpoint, region: stack.s3.region },
    },
  }
  const res = await runExactly(['recover'], {
    timeoutMs: 120_000,
    env: {
      ...process.env,
      EXACTLY_RECOVER_CONFIG: JSON.stringify(config),
      AWS_ACCESS_KEY_ID: stack.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stack.s3.secretAccessKey,
    },
  })
  const last = res.stdout.trim().split('\n').at(-1)
  return { code: res.code, summary: last ? JSON.parse(last) : undefined, stderr: res.stderr }
}
