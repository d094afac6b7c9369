/**
 * Where a new generation's tasks start when not from the old generation's heads: a savepoint
 * (copied into the restore point), or nothing (fresh tasks at `startFrom`). Used by
 * recover-generation.ts; adapter code over ObjectStore and the Kafka port.
 */
import { copyTaskObjects, readSavepointAt } from '../checkpoint/checkpoint-documents.ts'
import type { CheckpointLayout } from '../checkpoint/layout.ts'
import type { ManifestTask } from '../checkpoint/manifest.ts'
import type { KafkaClient } from '../kafka/kafka-client.ts'
import { startOffsets } from '../source/start-position.ts'
import { encodeSnapshot } from '../state/snapshot-codec.ts'
import type { ObjectStore } from '../storage/object-store.ts'
import { RestoreMismatchError } from './recovery-plan.ts'

/** What these need of recover-generation.ts's options. */
export interface RestoreSourceOptions {
  store: ObjectStore
  storeForBucket?: ((bucket: string) => ObjectStore) | undefined
  nextGeneration: number
  sourceTopics: readonly string[]
  kafka: KafkaClient
  startAt?: { timestampMs?: number | undefined; offsets?: Readonly<Record<string, string>> | undefined } | undefined
}

/**
 * The tasks of a savepoint, this job's by name or any by URI, copied into the restore point's
 * own objects: the new generation depends on nothing the savepoint's owner may dispose of. It
 * must hold every source partition the job has now.
 */
export async function savepointTasks(
  o: RestoreSourceOptions,
  layout: CheckpointLayout,
  source: { kind: 'savepoint'; name: string } | { kind: 'savepointUri'; uri: string },
  partitionCount: number,
): Promise<ManifestTask[]> {
  let from = o.store
  let key: string
  if (source.kind === 'savepoint') key = layout.savepointManifest(source.name)
  else {
    const [, bucket, dir] = /^s3:\/\/([^/]+)\/(.+\/)$/.exec(source.uri) ?? []
    if (!bucket || !dir)
      throw new RestoreMismatchError(
        `Cannot start from savepoint ${source.uri}: write s3://bucket/…/savepoints/<name>/`,
      )
    if (o.storeForBucket) from = o.storeForBucket(bucket)
    key = `${dir}manifest.json`
  }
  const what = source.kind === 'savepoint' ? `savepoint "${source.name}"` : `savepoint ${source.uri}`
  const point = await readSavepointAt(from, key)
  if (!point) {
    throw new RestoreMismatchError(
      `Cannot start from ${what}: "${key}" does not exist; see status.savepoints or exactly checkpoints`,
    )
  }
  const have = new Set(point.tasks.map((t) => t.partition))
  const lacking = Array.from({ length: partitionCount }, (_, p) => p).filter((p) => !have.has(p))
  if (lacking.length > 0) {
    throw new RestoreMismatchError(
      `Cannot start from ${what}: it has no state for partitions ${lacking.join(', ')}; the source topics' partition count may have changed`,
    )
  }
  const tasks = await copyTaskObjects(
    o.store,
    point.tasks,
    {
      snapshot: (partition) => layout.restorePointSnapshot(o.nextGeneration, partition),
      delta: (partition, index) => layout.restorePointDelta(o.nextGeneration, partition, index),
    },
    from,
  )
  return tasks.map((t) => ({ ...t }))
}

/** A task that never checkpointed: empty state, offsets where `startFrom` points now. */
export async function freshTask(
  o: RestoreSourceOptions,
  key: string,
  origin: { partition: number; startFrom: 'earliest' | 'latest' },
): Promise<ManifestTask> {
  const tps = o.sourceTopics.map((topic) => ({ topic, partition: origin.partition }))
  const listed = await startOffsets(o.kafka, tps, { ...o.startAt, startFrom: origin.startFrom })
  const offsets = Object.fromEntries(
    o.sourceTopics.map((topic) => [topic, (listed.get(`${topic}/${origin.partition}`) ?? 0n).toString()]),
  )
  const { bytes, checksum } = encodeSnapshot(origin.partition, [])
  await o.store.put(key, bytes)
  return { partition: origin.partition, offsets, snapshot: { key, checksum, bytes: bytes.length } }
}
