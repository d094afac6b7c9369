/**
 * The JSON documents of checkpoint storage (DESIGN section 6): the manifest of one checkpoint,
 * the head of one slot and the restore point a generation starts from. Types and codec; pure.
 *
 * Every document carries `formatVersion`: 1, or 2 for a manifest or restore point whose tasks name
 * deltas (incremental checkpoints, runtime/state/snapshot-chain.ts), so that a build that cannot
 * apply deltas refuses such a document by name instead of restoring its snapshot alone. Decoding
 * checks the version first (a newer writer's document is refused by name, not misread), then the
 * shape with zod. Encoding checks the shape
 * too: a document the decoder would refuse must never be written, least of all become the head.
 * Anything wrong becomes a CheckpointCorruptError naming the object's key.
 */
import { z } from 'zod'
import { CheckpointCorruptError } from './checkpoint-errors.ts'

export const CHECKPOINT_FORMAT_VERSION = 1
/** Manifests and restore points whose tasks name deltas. */
export const CHAIN_FORMAT_VERSION = 2

const decimal = z.string().regex(/^(0|[1-9]\d*)$/, 'must be a non-negative decimal integer string')
const count = z.number().int().min(0)

const jobSchema = z.object({ namespace: z.string().min(1), name: z.string().min(1), uid: z.string().min(1) })

const snapshotRefSchema = z.object({
  key: z.string().min(1),
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: count,
})

const storedTaskSchema = z
  .object({
    partition: count,
    /** Next offset per source topic, as decimal strings (int64 survives JSON). */
    offsets: z.record(z.string(), decimal),
    /** The full snapshot the task's state starts from; absent: it starts empty (format version 2). */
    snapshot: snapshotRefSchema.optional(),
    /** Deltas to apply on top of it, oldest first (format version 2). */
    deltas: z.array(snapshotRefSchema).min(1).optional(),
    /** Without a snapshot: how many of the first deltas rebuild the state from empty (runtime/state/snapshot-chain.ts). */
    baseDeltas: count.optional(),
  })
  .refine((task) => task.snapshot !== undefined || task.deltas !== undefined, {
    message: 'a task needs a snapshot, deltas or both',
    path: ['snapshot'],
  })

const documentVersion = z.union([z.literal(CHECKPOINT_FORMAT_VERSION), z.literal(CHAIN_FORMAT_VERSION)])

/** Version 1 documents cannot name deltas: an older reader would restore the snapshot alone. */
const deltasNeedVersion2 = (doc: { formatVersion: number; tasks: Array<{ deltas?: unknown[] | undefined }> }) =>
  doc.formatVersion === CHAIN_FORMAT_VERSION || doc.tasks.every((t) => t.deltas === undefined)
const deltasNeedVersion2Issue = {
  message: `tasks name deltas, so formatVersion must be ${CHAIN_FORMAT_VERSION}`,
  path: ['formatVersion'],
}

/** The format version a manifest or restore point with these tasks is written with. */
export function chainFormatVersion(tasks: ReadonlyArray<{ deltas?: unknown[] | undefined }>): 1 | 2 {
  return tasks.some((t) => t.deltas !== undefined) ? CHAIN_FORMAT_VERSION : CHECKPOINT_FORMAT_VERSION
}

const producerSchema = z.object({ transactionalId: z.string().min(1), producerId: decimal, epoch: count })

export const manifestSchema = z
  .object({
    formatVersion: documentVersion,
    job: jobSchema,
    generation: z.number().int().min(1),
    slot: count,
    /** The attempt that took the checkpoint; part of its key (see layout.ts). */
    attempt: z.number().int().min(1),
    checkpointId: count,
    createdAt: z.iso.datetime(),
    tasks: z.array(storedTaskSchema),
    /** The transaction T(k) to commit once the head names this checkpoint; null when it wrote nothing. */
    committable: producerSchema.nullable(),
    recordsIn: count,
    recordsOut: count,
  })
  .refine(deltasNeedVersion2, deltasNeedVersion2Issue)

export const headSchema = z
  .object({
    formatVersion: z.literal(CHECKPOINT_FORMAT_VERSION),
    generation: z.number().int().min(1),
    slot: count,
    /** The attempt that owns the slot: the last one to claim it. */
    attempt: z.number().int().min(1),
    /** The slot's latest complete checkpoint, null before the first. */
    checkpointId: count.nullable(),
    /** The attempt that wrote that checkpoint (it may be older than `attempt`). */
    checkpointAttempt: z.number().int().min(1).nullable(),
    /** The transactional ids the owner may use, so that `exactly recover` can fence them. */
    pool: z.array(z.string().min(1)),
    /** True once the checkpoint's committable is committed (or it has none). */
    committableDone: z.boolean(),
  })
  .refine((head) => (head.checkpointId === null) === (head.checkpointAttempt === null), {
    message: 'checkpointId and checkpointAttempt must both be set or both be null',
    path: ['checkpointAttempt'],
  })

export const restorePointSchema = z
  .object({
    formatVersion: documentVersion,
    job: jobSchema,
    /** The generation that starts from this restore point (not the one it was taken from). */
    generation: z.number().int().min(1),
    createdAt: z.iso.datetime(),
    /** Why it was written, e.g. "rescale 2 → 4" or "savepoint nightly". */
    reason: z.string(),
    /** Every source partition's state and offsets: the new generation may slice them differently. */
    tasks: z.array(storedTaskSchema),
  })
  .refine(deltasNeedVersion2, deltasNeedVersion2Issue)

export type JobIdentity = z.infer<typeof jobSchema>
export type ManifestTask = z.infer<typeof storedTaskSchema>
export type StoredSnapshotRef = z.infer<typeof snapshotRefSchema>
export type Manifest = z.infer<typeof manifestSchema>
export type Head = z.infer<typeof headSchema>
export type RestorePoint = z.infer<typeof restorePointSchema>

type Kind = 'checkpoint manifest' | 'slot head' | 'restore point'

export const encodeManifest = (manifest: Manifest): Buffer => encode(manifestSchema, manifest, 'checkpoint manifest')
export const encodeHead = (head: Head): Buffer => encode(headSchema, head, 'slot head')
export const encodeRestorePoint = (point: RestorePoint): Buffer => encode(restorePointSchema, point, 'restore point')

const CHAIN_VERSIONS = [CHECKPOINT_FORMAT_VERSION, CHAIN_FORMAT_VERSION]

export const decodeManifest = (bytes: Uint8Array, key: string): Manifest =>
  decode(manifestSchema, bytes, key, 'checkpoint manifest', CHAIN_VERSIONS)
export const decodeHead = (bytes: Uint8Array, key: string): Head =>
  decode(headSchema, bytes, key, 'slot head', [CHECKPOINT_FORMAT_VERSION])
export const decodeRestorePoint = (bytes: Uint8Array, key: string): RestorePoint =>
  decode(restorePointSchema, bytes, key, 'restore point', CHAIN_VERSIONS)

function encode<T>(schema: z.ZodType<T>, value: T, kind: Kind): Buffer {
  const result = schema.safeParse(value)
  if (!result.success) throw new TypeError(`Cannot write ${kind}: ${problems(result.error)}`)
  return Buffer.from(`${JSON.stringify(result.data, null, 2)}\n`, 'utf8')
}

function decode<T>(schema: z.ZodType<T>, bytes: Uint8Array, key: string, kind: Kind, versions: number[]): T {
  const fail = (detail: string, cause?: unknown): never => {
    throw new CheckpointCorruptError(`read ${kind} "${key}"`, key, detail, cause ? { cause } : undefined)
  }
  let raw: unknown
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`, error)
  }
  const version = (raw as { formatVersion?: unknown } | null)?.formatVersion
  if (typeof version !== 'number' || !versions.includes(version)) {
    return fail(
      typeof version === 'number'
        ? `format version ${version} is not supported (this build reads ${versions.length > 1 ? 'versions' : 'version'} ${versions.join(' and ')})`
        : 'no formatVersion: not a document written by exactly',
    )
  }
  const result = schema.safeParse(raw)
  return result.success ? result.data : fail(problems(result.error))
}

function problems(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
}
