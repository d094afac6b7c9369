/**
 * What the operator writes into each worker pod's EXACTLY_WORKER_CONFIG (docs/worker.md), and
 * into the recover pod's EXACTLY_RECOVER_CONFIG: the StreamJob spec translated into the
 * runtime's terms (durations in ms, parsed once per pass by jobDurations; the storage URI split
 * into bucket and prefix).
 */

import { DEFAULT_CHAIN_LIMITS, DEFAULT_READ, WORKER_PORT } from '../../contract/defaults.ts'
import type { RecoverConfig } from '../../contract/recover-config.ts'
import type { WorkerConfig } from '../../contract/worker-config.ts'
import type { StreamJob } from '../api/streamjob-types.ts'
import type { JobDurations } from './job-durations.ts'
import { jobStorage } from './job-storage.ts'
import { kafkaAccess } from './kafka-access.ts'

export interface StorageLocation {
  bucket: string
  prefix: string
}

/** `s3://bucket[/prefix]` → bucket and prefix; the CRD's pattern already refused anything else. */
export function parseStorageUri(uri: string): StorageLocation {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri)
  if (!match)
    throw new RangeError(`Invalid spec.checkpoint.storage.uri "${uri}": write s3://bucket or s3://bucket/prefix`)
  return { bucket: match[1]!, prefix: (match[2] ?? '').replace(/\/+$/, '') }
}

function jobIdentity(job: StreamJob) {
  return { namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid ?? '' }
}

function storage(job: StreamJob): WorkerConfig['checkpoint']['storage'] {
  const s = job.spec.checkpoint.storage
  return {
    ...parseStorageUri(s.uri),
    region: s.region,
    forcePathStyle: s.forcePathStyle ?? true,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    uidDirectory: jobStorage(job).uidDirectory,
  }
}

export function desiredWorkerConfig(
  job: StreamJob,
  ids: { generation: number; slot: number; attempt: number },
  durations: JobDurations,
  /** The operator's public key for signed stop requests (contract/stop-request.ts). */
  stopKey?: string,
): WorkerConfig {
  const { spec } = job
  return {
    formatVersion: 1,
    job: {
      ...jobIdentity(job),
      module: spec.job.module,
      config: spec.job.config ?? {},
      onError:
        spec.job.onError === 'dead-letter'
          ? { kind: 'dead-letter', topic: spec.kafka.sink.deadLetterTopic ?? '' }
          : { kind: 'fail' },
    },
    slot: ids.slot,
    parallelism: spec.parallelism,
    generation: ids.generation,
    attempt: ids.attempt,
    kafka: {
      bootstrapServers: spec.kafka.bootstrapServers,
      sourceTopics: spec.kafka.source.topics,
      startFrom: spec.kafka.source.startFrom,
      ...startAt(spec.kafka.source),
      sinkTopic: spec.kafka.sink.topic,
      ...(spec.kafka.sink.lineageTopic ? { lineageTopic: spec.kafka.sink.lineageTopic } : {}),
      delivery: 'exactly-once',
      transactionTimeoutMs: durations.transactionTimeoutMs,
      clientId: `exactly-${job.metadata.namespace}-${job.metadata.name}-s${ids.slot}`,
      security: kafkaAccess(spec.kafka).security,
      transactionalIdPrefix: spec.kafka.transactionalIdPrefix ?? '',
      read: { ...DEFAULT_READ },
      hangingTransactions: { checkIntervalMs: 60_000 },
    },
    checkpoint: {
      intervalMs: durations.checkpointIntervalMs,
      timeoutMs: durations.checkpointTimeoutMs,
      retained: spec.checkpoint.retained,
      incremental: { ...DEFAULT_CHAIN_LIMITS },
      storage: storage(job),
    },
    ...(stopKey ? { stopKey } : {}),
    http: { host: '0.0.0.0', port: WORKER_PORT },
  }
}

export interface RecoverLayout {
  generation: number
  parallelism: number
  nextGeneration: number
  reason: string
  restore: RecoverConfig['restore']
  savepoint?: string | undefined
  /** The job is being deleted: delete its storage but its savepoints instead of writing a restore point. */
  deleteStorage?: boolean
  /** Savepoints past spec.savepointHistory.maxCount, deleted once the new one is written. */
  disposeSavepoints?: string[] | undefined
}

export function desiredRecoverConfig(job: StreamJob, layout: RecoverLayout, durations: JobDurations): RecoverConfig {
  const { spec } = job
  return {
    formatVersion: 1,
    job: jobIdentity(job),
    generation: layout.generation,
    parallelism: layout.parallelism,
    nextGeneration: layout.nextGeneration,
    reason: layout.reason,
    restore: layout.restore,
    ...(layout.savepoint ? { savepoint: layout.savepoint } : {}),
    deleteStorage: layout.deleteStorage ?? false,
    disposeSavepoints: layout.disposeSavepoints ?? [],
    kafka: {
      bootstrapServers: spec.kafka.bootstrapServers,
      sourceTopics: spec.kafka.source.topics,
      outputTopics: [
        spec.kafka.sink.topic,
        ...(spec.job.onError === 'dead-letter' && spec.kafka.sink.deadLetterTopic
          ? [spec.kafka.sink.deadLetterTopic]
          : []),
        ...(spec.kafka.sink.lineageTopic ? [spec.kafka.sink.lineageTopic] : []),
      ],
      startFrom: spec.kafka.source.startFrom,
      ...startAt(spec.kafka.source),
      transactionTimeoutMs: durations.transactionTimeoutMs,
      security: kafkaAccess(spec.kafka).security,
      transactionalIdPrefix: spec.kafka.transactionalIdPrefix ?? '',
    },
    checkpoint: { storage: storage(job) },
  }
}

/** startFromTimestamp and startFromOffsets in the runtime's terms (runtime/source/start-position.ts). */
function startAt(source: StreamJob['spec']['kafka']['source']): {
  startAt?: NonNullable<WorkerConfig['kafka']['startAt']>
} {
  const timestampMs = source.startFromTimestamp ? Date.parse(source.startFromTimestamp) : undefined
  const offsets = source.startFromOffsets?.length
    ? Object.fromEntries(source.startFromOffsets.map((o) => [`${o.topic}/${o.partition}`, String(o.offset)]))
    : undefined
  if (timestampMs === undefined && offsets === undefined) return {}
  return {
    startAt: {
      ...(timestampMs !== undefined && Number.isFinite(timestampMs) ? { timestampMs } : {}),
      ...(offsets ? { offsets } : {}),
    },
  }
}
