/**
 * What the two recovery measurements (ours in recovery.ts, Kafka Streams in
 * recovery-kafka-streams.ts) share: the job, the figures of one run, and its topics and input.
 */
import { createNamedTopic } from '../../stack/topics.ts'
import type { Bench } from '../run-cell.ts'
import { PARTITIONS } from '../workloads.ts'
import { rateProducer } from './rate-producer.ts'

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
export async function recoveryTopics(
  bench: Bench,
  runId: string,
  job: RecoveryJob,
): Promise<{ input: string; output: string; producer: ReturnType<typeof rateProducer> }> {
  const input = `${runId}-in`
  const output = `${runId}-out`
  await createNamedTopic(bench.kafkajs, input, PARTITIONS)
  await createNamedTopic(bench.kafkajs, output, PARTITIONS)
  const producer = rateProducer({
    bootstrap: bench.bootstrap,
    topic: input,
    ratePerSec: job.ratePerSec,
    records: job.ratePerSec * job.seconds,
    keys: job.keys,
  })
  return { input, output, producer }
}
