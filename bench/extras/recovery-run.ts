/**
 * What the two recovery measurements (ours in recovery.ts, Kafka Streams in
 * recovery-kafka-streams.ts) share: the job, the figures of one run, its topics and input, the
 * kill, and the wait for the recovered system's output and its check.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { KafkaClient } from '../../runtime/kafka/kafka-client.ts'
import { type CheckResult, checkOutput } from '../check-output.ts'
import { OutputWatch } from '../output-watch.ts'
import type { Bench } from '../run-cell.ts'
import { type RateProducer, rateTopics } from './rate-producer.ts'

/** Keyed count over `keys` keys, input at `ratePerSec` for `seconds`, one SIGKILL after `killAfterMs`. */
export interface RecoveryJob {
  ratePerSec: number
  seconds: number
  killAfterMs: number
  keys: number
}

export interface RecoveryRun {
  valid: boolean
  detectionMs: number
  restartMs: number
  restoreMs: number
  catchUpMs: number
  totalMs: number
  problems: string[]
  /** Figures beyond the split (Kafka Streams: what its restart is made of, its settings). */
  extra?: Record<string, number>
}

/** The run's input and output topics, and the producer that will feed the input at the job's rate. */
export function recoveryTopics(
  bench: Bench,
  runId: string,
  job: RecoveryJob,
): Promise<{ input: string; output: string; producer: RateProducer }> {
  return rateTopics(bench, runId, { ratePerSec: job.ratePerSec, records: job.ratePerSec * job.seconds, keys: job.keys })
}

/**
 * Starts the input, SIGKILLs the running system `job.killAfterMs` later and waits for its exit:
 * when it was killed, when its exit was seen, and the input still being sent.
 */
export async function sendThenKill(
  producer: RateProducer,
  system: { kill(): void; exited: Promise<unknown> },
  job: RecoveryJob,
): Promise<{ sending: Promise<void>; killedAt: number; exitSeenAt: number }> {
  const sending = producer.start()
  await sleep(job.killAfterMs)
  const killedAt = Date.now()
  system.kill()
  await system.exited
  return { sending, killedAt, exitSeenAt: Date.now() }
}

/** The recovered system, as `settleAndCheck` waits for it and stops it. */
export interface Recovered {
  /** Names it in the error when it does not settle: "the recovered worker". */
  name: string
  /** Whether it says it has read all its input. */
  inputDone(): Promise<boolean>
  failure(): string | undefined
  stop(): Promise<void>
}

/**
 * Once the input is all sent: waits (up to the bench's time-out) until the recovered system has
 * committed its whole output, stops it cleanly, and checks the output (exact counts per key).
 */
export async function settleAndCheck(
  bench: Bench,
  kafka: KafkaClient,
  output: string,
  producer: RateProducer,
  recovered: Recovered,
): Promise<CheckResult> {
  const watch = new OutputWatch({ bootstrap: bench.bootstrap, client: kafka, topic: output, expected: 0 })
  const settled = await watch.settled({
    inputDone: () => recovered.inputDone(),
    deadline: Date.now() + bench.timeoutMs,
    failed: () => recovered.failure(),
  })
  await watch.close()
  if (settled === undefined) throw new Error(`${recovered.name} did not commit its output in time`)
  await recovered.stop()
  return checkOutput(kafka, output, 'keyedCount', producer.input)
}
