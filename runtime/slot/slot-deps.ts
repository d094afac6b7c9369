/**
 * What a slot runs against: its configuration, the job, the Kafka and checkpoint-storage ports,
 * the metrics it updates, its logger, failpoints and clock. The worker process (runtime/worker/)
 * builds these; the slot decides nothing about where they come from.
 */
import type { Logger } from 'pino'
import type { WorkerConfig } from '../../contract/worker-config.ts'
import type { Job } from '../api/define-job.ts'
import type { FailpointHook } from '../checkpoint/failpoint.ts'
import type { ManifestTask } from '../checkpoint/manifest.ts'
import type { SlotStorage } from '../checkpoint/slot-storage.ts'
import type { KafkaClient } from '../kafka/kafka-client.ts'

interface Count {
  inc(value?: number): void
}
interface LabelledCount<L extends string> {
  inc(labels: Partial<Record<L, string>>, value?: number): void
}
interface Level {
  set(value: number): void
}
interface LabelledLevel<L extends string> {
  set(labels: Partial<Record<L, string>>, value: number): void
}
interface Distribution {
  observe(value: number): void
}

/** The metrics a slot updates; runtime/worker/worker-metrics.ts serves them with prom-client. */
export interface SlotMetrics {
  recordsIn: Count
  recordsOut: Count
  deadLetters: Count
  timersFired: Count
  stateExpired: Count
  recordsDropped: LabelledCount<'reason'>
  watermark: LabelledLevel<'partition'>
  checkpointDuration: Distribution
  checkpointBytes: Level
  stateBytes: Level
  taskSnapshots: LabelledCount<'kind'>
  checkpointFailures: Count
  restoreDuration: Level
  commitLatency: Distribution
  transactionsExpired: Count
  hangingTransactionsClosed: LabelledCount<'outcome'>
  partitionLag: LabelledLevel<'topic' | 'partition'>
  ownOutputWait: Count
}

/** Where a savepoint taken while running goes (runtime/checkpoint/savepoint-parts.ts). */
export interface SavepointStorage {
  writePart(name: string, checkpointId: number, tasks: readonly ManifestTask[]): Promise<void>
  writeManifest(name: string, dispose: readonly string[]): Promise<'written' | 'alreadyWritten'>
  dispose(names: readonly string[]): Promise<void>
}

export interface SlotDeps {
  config: WorkerConfig
  job: Job
  kafka: KafkaClient
  storage: SlotStorage
  /** Absent: the slot takes no savepoints while running. */
  savepoints?: SavepointStorage | undefined
  metrics: SlotMetrics
  log: Logger
  failpoint?: FailpointHook
  now?: () => number
}
