/**
 * The configuration of `exactly recover`, as the operator writes it into the recover pod: JSON in
 * EXACTLY_RECOVER_CONFIG (or a file named by `--config FILE`). It shares the worker's field
 * shapes (docs/worker.md) and names the generation to close and the one to start.
 */
import { z } from 'zod'
import { parseJsonConfig } from './json-config.ts'
import { workerConfigSchema } from './worker-config.ts'

const worker = workerConfigSchema.shape

export const recoverConfigSchema = z.object({
  formatVersion: z.literal(1),
  job: worker.job.pick({ namespace: true, name: true, uid: true }),
  /** 0 with parallelism 0: nothing to close (a new job that starts from a savepoint). */
  generation: z.number().int().min(0),
  parallelism: z.number().int().min(0).max(1024),
  nextGeneration: z.number().int().min(1),
  reason: z.string().default('recover'),
  restore: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('heads') }),
      z.object({ kind: z.literal('savepoint'), name: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/) }),
      /** Any savepoint, as its URI: s3://bucket/path/savepoints/<name>/ (same endpoint and credentials). */
      z.object({ kind: z.literal('savepointUri'), uri: z.string().regex(/^s3:\/\/[^/]+\/.+\/$/) }),
      z.object({ kind: z.literal('stateless') }),
    ])
    .default({ kind: 'heads' }),
  savepoint: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be letters, digits, . _ -')
    .optional(),
  /**
   * The StreamJob is being deleted: after closing the generation, delete the job's storage but its
   * savepoints instead of writing a restore point (spec.checkpoint.storage.onJobDelete: delete).
   */
  deleteStorage: z.boolean().default(false),
  /** Savepoints to delete once `savepoint` is written: past spec.savepointHistory.maxCount. */
  disposeSavepoints: z.array(z.string().regex(/^[A-Za-z0-9._-]{1,128}$/)).default([]),
  kafka: worker.kafka
    .pick({
      bootstrapServers: true,
      sourceTopics: true,
      startFrom: true,
      startAt: true,
      transactionTimeoutMs: true,
      security: true,
      transactionalIdPrefix: true,
    })
    .extend({
      /** The sink topic and the dead-letter topic, if any: recovery closes hanging transactions there. */
      outputTopics: z.array(worker.kafka.shape.sinkTopic).min(1),
    }),
  checkpoint: z.object({ storage: worker.checkpoint.shape.storage }),
})

export type RecoverConfig = z.infer<typeof recoverConfigSchema>

export class RecoverConfigError extends Error {
  override name = 'RecoverConfigError'
  readonly code = 'EXACTLY_RECOVER_CONFIG'
}

export function parseRecoverConfig(json: string): RecoverConfig {
  const config = parseJsonConfig(
    recoverConfigSchema,
    json,
    'recover config',
    (message) => new RecoverConfigError(message),
  )
  if (config.nextGeneration <= config.generation) {
    throw new RecoverConfigError(
      `Invalid recover config: nextGeneration: must be greater than generation (${config.generation}), got ${config.nextGeneration}`,
    )
  }
  return config
}
