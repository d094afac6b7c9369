/**
 * The configuration of one worker process, as the operator writes it into the pod: JSON in the
 * environment variable EXACTLY_WORKER_CONFIG (or a file named by `exactly worker --config F`).
 * Secrets never appear here: Kafka's are files named in `kafka.security`; S3 credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 * (or the SDK's other sources), set by the pod spec from `checkpoint.storage.credentialsSecretRef`.
 * The format is documented in docs/worker.md; change both together.
 */
import { z } from 'zod'
import { BROKER_ADDRESS_PATTERN, BROKER_ADDRESS_RULE } from './broker-address.ts'
import { DEFAULT_CHAIN_LIMITS, DEFAULT_READ, WORKER_PORT } from './defaults.ts'
import { parseJsonConfig } from './json-config.ts'
import { kafkaSecuritySchema } from './kafka-security.ts'

const topicName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name (letters, digits, . _ -)')
const hostPort = z.string().regex(new RegExp(BROKER_ADDRESS_PATTERN), BROKER_ADDRESS_RULE)

export const workerConfigSchema = z.object({
  formatVersion: z.literal(1),
  job: z.object({
    namespace: z.string().min(1),
    name: z.string().min(1),
    uid: z.string().min(1),
    /** Path of the job module inside the image, e.g. /app/examples/word-count/job.ts. */
    module: z.string().min(1),
    config: z.unknown().default({}),
    onError: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('fail') }),
        z.object({ kind: z.literal('dead-letter'), topic: topicName }),
      ])
      .default({ kind: 'fail' }),
  }),
  slot: z.number().int().min(0),
  parallelism: z.number().int().min(1).max(1024),
  generation: z.number().int().min(1),
  attempt: z.number().int().min(1),
  kafka: z.object({
    bootstrapServers: z.array(hostPort).min(1),
    sourceTopics: z.array(topicName).min(1),
    startFrom: z.enum(['earliest', 'latest']).default('earliest'),
    /**
     * Refines startFrom for tasks that never checkpointed: `offsets` (`topic/partition` → decimal
     * offset) for the partitions listed, else the first record at or after `timestampMs`.
     */
    startAt: z
      .object({
        timestampMs: z.number().int().min(0).optional(),
        offsets: z
          .record(z.string().regex(/^.+\/\d+$/, 'must be topic/partition'), z.string().regex(/^\d+$/))
          .optional(),
      })
      .optional(),
    sinkTopic: topicName,
    /**
     * Where each task's processing order goes, one record per task and slice, in the same
     * transaction as the output (runtime/source/lineage.ts); `exactly verify --lineage` reads it.
     */
    lineageTopic: topicName.optional(),
    transactionTimeoutMs: z.number().int().positive(),
    /**
     * `at-least-once` writes without transactions: output is visible at once and a replay after
     * a failure repeats it. Only the benchmarks' baseline (what exactly-once costs); not in the
     * StreamJob API.
     */
    delivery: z.enum(['exactly-once', 'at-least-once']).default('exactly-once'),
    clientId: z.string().optional(),
    /** TLS and SASL settings, as file paths (contract/kafka-security.ts); `{}` is plaintext. */
    security: kafkaSecuritySchema,
    /**
     * Put in front of every transactional id (`<prefix><job uid>-g…`), so a prefixed ACL can be
     * granted before the job exists (docs/kafka-security.md).
     */
    transactionalIdPrefix: z
      .string()
      .regex(/^[a-zA-Z0-9._-]{0,120}$/, 'must be at most 120 letters, digits, . _ -')
      .default(''),
    /**
     * How the slot reads its sources (runtime/source/source-reader.ts): fetches of up to
     * `maxBytesPerPartition` per partition, processed `sliceRecords` at a time with a barrier
     * check between slices, the next fetch sent while one is processed (`prefetch`). Not in the
     * StreamJob API.
     */
    /**
     * The watch for hanging transactions while the slot runs (runtime/slot/hanging-watch.ts):
     * every `checkIntervalMs`, transactions open on the slot's partitions longer than
     * `afterMs` (default: transactionTimeoutMs) are closed (ours) or raised (others). Not in the
     * StreamJob API.
     */
    hangingTransactions: z
      .object({
        checkIntervalMs: z.number().int().min(100).default(60_000),
        afterMs: z.number().int().min(100).optional(),
      })
      .default({ checkIntervalMs: 60_000 }),
    read: z
      .object({
        maxBytesPerPartition: z.number().int().min(1024).default(DEFAULT_READ.maxBytesPerPartition),
        sliceRecords: z.number().int().min(1).default(DEFAULT_READ.sliceRecords),
        prefetch: z.boolean().default(DEFAULT_READ.prefetch),
      })
      .default(DEFAULT_READ),
  }),
  checkpoint: z.object({
    intervalMs: z.number().int().positive(),
    timeoutMs: z.number().int().positive(),
    retained: z.number().int().min(1).default(3),
    /**
     * Incremental checkpoints (runtime/state/snapshot-chain.ts): a task's chain is rebased with a
     * full snapshot past `maxDeltas` deltas or when they outweigh `maxDeltaRatio` times its
     * snapshot. `maxDeltas: 0` writes a full snapshot at every checkpoint. Not in the StreamJob API yet.
     */
    incremental: z
      .object({
        maxDeltas: z.number().int().min(0).default(DEFAULT_CHAIN_LIMITS.maxDeltas),
        maxDeltaRatio: z.number().positive().default(DEFAULT_CHAIN_LIMITS.maxDeltaRatio),
      })
      .default(DEFAULT_CHAIN_LIMITS),
    storage: z.object({
      bucket: z.string().min(1),
      prefix: z.string().default(''),
      endpoint: z.string().url().optional(),
      region: z.string().default('us-east-1'),
      forcePathStyle: z.boolean().default(true),
      /**
       * The job's directory is `<prefix>/<namespace>/<job>/<uid>/` (true; every job the operator
       * starts now) or `<prefix>/<namespace>/<job>/` (false; jobs started before, and hand-run workers).
       */
      uidDirectory: z.boolean().default(false),
    }),
  }),
  /**
   * The operator's Ed25519 public key (PEM): a POST /stop must be signed with its private key
   * (contract/stop-request.ts). Absent: the worker takes no stop request over HTTP, only SIGTERM.
   */
  stopKey: z.string().optional(),
  http: z
    .object({ host: z.string().default('0.0.0.0'), port: z.number().int().min(1).max(65535).default(WORKER_PORT) })
    .default({
      host: '0.0.0.0',
      port: WORKER_PORT,
    }),
})

export type WorkerConfig = z.infer<typeof workerConfigSchema>

export class WorkerConfigError extends Error {
  override name = 'WorkerConfigError'
  readonly code = 'EXACTLY_WORKER_CONFIG'
}

/** Parses and checks a worker configuration; the error lists every bad field by its path. */
export function parseWorkerConfig(json: string): WorkerConfig {
  const config = parseJsonConfig(workerConfigSchema, json, 'worker config', (message) => new WorkerConfigError(message))
  if (config.slot >= config.parallelism) {
    throw new WorkerConfigError(
      `Invalid worker config: slot: must be below parallelism (${config.parallelism}), got ${config.slot}`,
    )
  }
  if (config.kafka.sourceTopics.includes(config.kafka.sinkTopic)) {
    throw new WorkerConfigError(
      `Invalid worker config: kafka.sinkTopic: "${config.kafka.sinkTopic}" is also a source topic`,
    )
  }
  if (config.kafka.transactionTimeoutMs <= config.checkpoint.intervalMs + config.checkpoint.timeoutMs) {
    throw new WorkerConfigError(
      'Invalid worker config: kafka.transactionTimeoutMs: must exceed checkpoint.intervalMs + checkpoint.timeoutMs, or the broker aborts pre-committed transactions',
    )
  }
  return config
}
