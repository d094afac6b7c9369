/**
 * What every system runner gets and gives back. A runner starts its system on the preloaded
 * input, waits until the whole output is written, reads the system's CPU time at that moment and
 * stops it; the orchestrator then checks the output (bench/check-output.ts) and turns the run
 * into figures. One shape for ours, raw kafkajs and the peers.
 */
import type { KafkaClient } from '../../runtime/kafka/kafka-client.ts'
import type { StackInfo } from '../../stack/stack.ts'
import { OutputWatch } from '../output-watch.ts'
import type { PreloadedInput } from '../preload.ts'
import { windowedCountsOf } from '../validators.ts'
import type { Workload } from '../workloads.ts'

export interface RunContext {
  stack: StackInfo
  bootstrap: string
  /** Our Kafka adapter, shared by probes and checks (read_committed fetches, offsets). */
  kafka: KafkaClient
  workload: Workload
  input: PreloadedInput
  outputTopic: string
  /** Bank only: the credits topic the job writes and reads, fresh for every run. */
  creditsTopic?: string
  /** Unique per run: job names, consumer groups, transactional ids, checkpoint prefixes. */
  runId: string
  logDir: string
  timeoutMs: number
  /** Called once the system is up and about to read (latency and recovery rows start their input then). */
  onStarted?: () => void
}

export interface SystemRun {
  /** First to last output record, as bench/output-watch.ts saw the output grow. */
  elapsedMs: number
  /** CPU time of the system's process while it worked (start-up excluded where it can be). */
  cpuMs: number
  /** Other figures of this run (start-up CPU, RSS, checkpoints), per system. */
  extra: Record<string, number>
}

/** The system cannot run this mode here (e.g. a worker without at-least-once delivery). */
export class Unavailable extends Error {
  override name = 'Unavailable'
}

/** Records the system reads (bank: commands and the credits it loops back) and writes. */
export function expectedCounts(workload: Workload, input: PreloadedInput): { in: number; out: number } {
  if (workload.job === 'bank') {
    const bank = input.bank!
    return { in: bank.deposits + 2 * bank.transfers, out: bank.deposits + 2 * bank.transfers }
  }
  if (workload.job === 'windowedCount') return { in: input.shape.records, out: windowedCountsOf(input).size }
  return { in: input.shape.records, out: input.shape.records }
}

/** A watch (bench/output-watch.ts, not started yet) on the run's output topic until it holds `expected` records. */
export function watchOutput(ctx: RunContext, expected: number): OutputWatch {
  return new OutputWatch({ bootstrap: ctx.bootstrap, client: ctx.kafka, topic: ctx.outputTopic, expected })
}
