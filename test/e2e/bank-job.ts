/**
 * The bank-transfers example as the chaos suite runs it: its StreamJob (the shape a user
 * applies), a feeder that produces the seeded commands at a steady bounded rate, the workers'
 * own /status read over HTTP, and a timeline logger for the test output.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { V1Pod } from '@kubernetes/client-node'
import type { Kafka } from 'kafkajs'
import { WORKER_PORT } from '../../contract/defaults.ts'
import type { WorkerStatus } from '../../contract/worker-status.ts'
import { commandKey } from '../../examples/bank-transfers/generate.ts'
import type { BankCommand } from '../../examples/bank-transfers/model.ts'
import type { StackInfo } from '../../stack/stack.ts'
import { streamJobManifest } from '../integration/helpers/operator-harness.ts'

/** One line with the time since `t0`, for a readable timeline in the test output. */
export function logger(t0: number): (line: string) => void {
  return (line) => process.stderr.write(`[chaos +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}\n`)
}

export interface BankTopics {
  commands: string
  credits: string
  events: string
}

/** A worker's own report at GET /status (the operator reads the same). */
export async function workerStatus(pod: V1Pod): Promise<WorkerStatus | undefined> {
  const ip = pod.status?.podIP
  if (!ip) return undefined
  try {
    const res = await fetch(`http://${ip}:${WORKER_PORT}/status`, { signal: AbortSignal.timeout(1500) })
    return res.ok ? ((await res.json()) as WorkerStatus) : undefined
  } catch {
    return undefined
  }
}

export interface FeedProgress {
  sent: number
  retries: number
  done: boolean
  error?: unknown
}

/**
 * Produces `commands` to `topic` in batches of `batch` at no more than `ratePerSecond`: the
 * schedule never bursts to catch up by more than one batch (after a broker outage it just
 * carries on, later). A failed send is retried with the same idempotent producer (so the broker
 * drops a batch it already has) every 500 ms, at most `maxRetries` times in a row.
 */
export function feedAtRate(
  kafka: Kafka,
  topic: string,
  commands: readonly BankCommand[],
  options: { ratePerSecond: number; batch: number; signal: AbortSignal; maxRetries?: number },
): { progress: FeedProgress; finished: Promise<FeedProgress> } {
  const progress: FeedProgress = { sent: 0, retries: 0, done: false }
  const maxRetries = options.maxRetries ?? 240
  const finished = (async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    try {
      const perBatchMs = (options.batch / options.ratePerSecond) * 1000
      let due = Date.now()
      while (progress.sent < commands.length && !options.signal.aborted) {
        const n = Math.min(options.batch, commands.length - progress.sent)
        const messages = commands
          .slice(progress.sent, progress.sent + n)
          .map((c) => ({ key: commandKey(c), value: JSON.stringify(c) }))
        for (let tries = 0; ; tries++) {
          try {
            await producer.send({ topic, messages })
            break
          } catch (error) {
            if (tries >= maxRetries || options.signal.aborted) throw error
            progress.retries++
            await sleep(500)
          }
        }
        progress.sent += n
        due = Math.max(due + perBatchMs, Date.now() - perBatchMs)
        const wait = due - Date.now()
        if (wait > 0) await sleep(wait)
      }
      progress.done = progress.sent === commands.length
      return progress
    } catch (error) {
      progress.error = error
      throw error
    } finally {
      await producer.disconnect().catch(() => {})
    }
  })()
  finished.catch(() => {})
  return { progress, finished }
}

/** A bank-transfers StreamJob reading commands and credits, writing events (the shape a user applies). */
export function bankJob(
  stack: StackInfo,
  o: {
    name: string
    namespace: string
    bootstrap: string
    topics: BankTopics
    parallelism: number
    /** spec.kafka's security fields (test/integration/helpers/secured-job.ts). */
    kafka?: Record<string, unknown>
  },
) {
  return streamJobManifest(stack, {
    name: o.name,
    namespace: o.namespace,
    module: '/app/examples/bank-transfers/job.ts',
    config: { creditsTopic: o.topics.credits },
    parallelism: o.parallelism,
    bootstrap: o.bootstrap,
    sources: [o.topics.commands, o.topics.credits],
    sink: o.topics.events,
    checkpointTimeout: '30s',
    maxRestarts: 200,
    storagePrefix: 'chaos',
    ...(o.kafka ? { kafka: o.kafka } : {}),
  })
}
