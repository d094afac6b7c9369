/**
 * The JSON documents of checkpoint storage as stored objects: heads, manifests, restore points.
 * Shared by the slot's CheckpointStore, `exactly recover` and `exactly checkpoints`. Adapter code
 * over ObjectStore: it decides nothing, but it refuses documents whose content contradicts their
 * key (a head of slot 2 stored as slot 1's is corrupt, not usable). ObjectStore errors
 * (StorageUnavailableError: retry) pass through unchanged.
 */
import { isDeepStrictEqual } from 'node:util'
import type { ObjectStore } from '../storage/object-store.ts'
import { CheckpointConflictError, CheckpointCorruptError } from './checkpoint-errors.ts'
import type { CheckpointLayout, CheckpointRef } from './layout.ts'
import {
  decodeHead,
  decodeManifest,
  decodeRestorePoint,
  encodeManifest,
  encodeRestorePoint,
  type Head,
  type Manifest,
  type RestorePoint,
} from './manifest.ts'

/** The slot head with its etag (for a compare-and-swap), or undefined when there is none yet. */
export async function readHead(
  store: ObjectStore,
  layout: CheckpointLayout,
  generation: number,
  slot: number,
): Promise<{ head: Head; etag: string } | undefined> {
  const key = layout.head(generation, slot)
  const object = await store.get(key)
  if (!object) return undefined
  const head = decodeHead(object.body, key)
  if (head.generation !== generation || head.slot !== slot) {
    throw new CheckpointCorruptError(
      `read slot head "${key}"`,
      key,
      `it names generation ${head.generation} slot ${head.slot}, not generation ${generation} slot ${slot}`,
    )
  }
  return { head, etag: object.etag }
}

/** A checkpoint's manifest, or undefined when it does not exist. */
export async function readManifest(
  store: ObjectStore,
  layout: CheckpointLayout,
  generation: number,
  slot: number,
  ref: CheckpointRef,
): Promise<Manifest | undefined> {
  const key = layout.manifest(generation, slot, ref)
  const object = await store.get(key)
  if (!object) return undefined
  const manifest = decodeManifest(object.body, key)
  const found = [manifest.generation, manifest.slot, manifest.checkpointId, manifest.attempt]
  if (!isDeepStrictEqual(found, [generation, slot, ref.checkpointId, ref.attempt])) {
    throw new CheckpointCorruptError(
      `read checkpoint manifest "${key}"`,
      key,
      `it describes checkpoint ${manifest.checkpointId} of attempt ${manifest.attempt} in generation ${manifest.generation} slot ${manifest.slot}`,
    )
  }
  return manifest
}

/**
 * The manifest a head names, for restoring it: missing, corrupt or another job's is a
 * CheckpointCorruptError ("Cannot restore checkpoint 7 of slot 1: …"), never a reason to fall
 * back to an older checkpoint, which could repeat output that was already committed.
 */
export async function readHeadManifest(
  store: ObjectStore,
  layout: CheckpointLayout,
  head: Head,
  jobUid: string,
): Promise<Manifest | undefined> {
  if (head.checkpointId === null || head.checkpointAttempt === null) return undefined
  const ref = { checkpointId: head.checkpointId, attempt: head.checkpointAttempt }
  const action = `restore checkpoint ${ref.checkpointId} of slot ${head.slot}`
  const key = layout.manifest(head.generation, head.slot, ref)
  let manifest: Manifest | undefined
  try {
    manifest = await readManifest(store, layout, head.generation, head.slot, ref)
  } catch (error) {
    if (!(error instanceof CheckpointCorruptError)) throw error
    throw new CheckpointCorruptError(action, key, `manifest "${key}": ${error.detail}`, { cause: error })
  }
  if (!manifest)
    throw new CheckpointCorruptError(action, key, `its manifest "${key}" is missing although the head names it`)
  if (manifest.job.uid !== jobUid) {
    const detail = `manifest "${key}" belongs to job uid ${manifest.job.uid}, not ${jobUid} (a deleted StreamJob of the same name)`
    throw new CheckpointCorruptError(action, key, detail)
  }
  return manifest
}

/**
 * Writes a manifest once (If-None-Match: *). Finding it already there is fine only if it is the
 * same manifest, `createdAt` aside: a retry of the same attempt whose first answer was lost.
 */
export async function writeManifest(store: ObjectStore, layout: CheckpointLayout, manifest: Manifest): Promise<void> {
  const key = layout.manifest(manifest.generation, manifest.slot, manifest)
  const body = encodeManifest(manifest)
  if ((await store.putIfAbsent(key, body)).written) return
  const existing = await store.get(key)
  const same =
    existing !== undefined &&
    isDeepStrictEqual(
      { ...decodeManifest(existing.body, key), createdAt: '' },
      { ...decodeManifest(body, key), createdAt: '' },
    )
  if (!same) {
    throw new CheckpointConflictError(
      `Cannot write checkpoint ${manifest.checkpointId} of slot ${manifest.slot}: manifest "${key}" already exists with other content`,
    )
  }
}

/** The restore point generation `generation` starts from, or undefined. */
export async function readRestorePoint(
  store: ObjectStore,
  layout: CheckpointLayout,
  generation: number,
): Promise<RestorePoint | undefined> {
  const key = layout.restorePoint(generation)
  const object = await store.get(key)
  if (!object) return undefined
  const point = decodeRestorePoint(object.body, key)
  if (point.generation !== generation) {
    throw new CheckpointCorruptError(
      `read restore point "${key}"`,
      key,
      `it is for generation ${point.generation}, not ${generation}`,
    )
  }
  return point
}

/**
 * Writes the restore point of `point.generation` once. A second `exactly recover` run finding
 * one with the same tasks is fine (it crashed after writing); different tasks are a conflict.
 */
export async function writeRestorePoint(
  store: ObjectStore,
  layout: CheckpointLayout,
  point: RestorePoint,
): Promise<'written' | 'alreadyWritten'> {
  const key = layout.restorePoint(point.generation)
  const bytes = encodeRestorePoint(point)
  if ((await store.putIfAbsent(key, bytes)).written) return 'written'
  const existing = await readRestorePoint(store, layout, point.generation)
  const mine = decodeRestorePoint(bytes, key)
  if (existing && isDeepStrictEqual(existing.tasks, mine.tasks) && isDeepStrictEqual(existing.job, mine.job)) {
    return 'alreadyWritten'
  }
  throw new CheckpointConflictError(
    `Cannot write restore point "${key}": one already exists with other ${existing ? 'tasks' : 'content (it vanished while read)'}`,
  )
}

/**
 * A savepoint: a restore point kept under its name until a person deletes it, which a job can
 * start from with `spec.restoreFrom`. Same document as a restore point, written once, but
 * self-contained: the snapshots and deltas it names are copied under its own directory first,
 * so that no retention, generation clean-up or job deletion can break it.
 */
export async function writeSavepoint(
  store: ObjectStore,
  layout: CheckpointLayout,
  name: string,
  point: RestorePoint,
): Promise<'written' | 'alreadyWritten'> {
  const tasks = await copyTaskObjects(store, point.tasks, {
    snapshot: (partition) => layout.savepointSnapshot(name, partition),
    delta: (partition, index) => layout.savepointDelta(name, partition, index),
  })
  return writeSavepointDocument(store, layout, name, { ...point, tasks })
}

/** The savepoint's manifest, once; its tasks must name objects already under its directory. */
export async function writeSavepointDocument(
  store: ObjectStore,
  layout: CheckpointLayout,
  name: string,
  point: RestorePoint,
): Promise<'written' | 'alreadyWritten'> {
  const key = layout.savepointManifest(name)
  if ((await store.putIfAbsent(key, encodeRestorePoint(point))).written) return 'written'
  const existing = await readSavepoint(store, layout, name)
  if (existing && isDeepStrictEqual(existing.tasks, point.tasks)) return 'alreadyWritten'
  throw new CheckpointConflictError(`Cannot write savepoint "${name}": "${key}" already exists with other tasks`)
}

type StoredTask = RestorePoint['tasks'][number]

/**
 * Copies the snapshot and deltas each task names (read from `from`) to the keys `to` gives and
 * returns the tasks naming the copies. Copying again is harmless: same bytes, same keys.
 */
export async function copyTaskObjects(
  store: ObjectStore,
  tasks: readonly StoredTask[],
  to: { snapshot(partition: number): string; delta(partition: number, index: number): string },
  from: ObjectStore = store,
): Promise<StoredTask[]> {
  const copy = async <R extends { key: string }>(ref: R, key: string): Promise<R> => {
    const object = await from.get(ref.key)
    if (!object) {
      throw new CheckpointCorruptError(`copy "${ref.key}"`, ref.key, 'a checkpoint names it but it is missing')
    }
    await store.put(key, object.body)
    return { ...ref, key }
  }
  return Promise.all(
    tasks.map(async (task) => ({
      ...task,
      ...(task.snapshot ? { snapshot: await copy(task.snapshot, to.snapshot(task.partition)) } : {}),
      ...(task.deltas
        ? { deltas: await Promise.all(task.deltas.map((d, i) => copy(d, to.delta(task.partition, i)))) }
        : {}),
    })),
  )
}

export async function readSavepoint(
  store: ObjectStore,
  layout: CheckpointLayout,
  name: string,
): Promise<RestorePoint | undefined> {
  return readSavepointAt(store, layout.savepointManifest(name))
}

/** A savepoint's document by its key, whichever job it belongs to. */
export async function readSavepointAt(store: ObjectStore, key: string): Promise<RestorePoint | undefined> {
  const object = await store.get(key)
  return object ? decodeRestorePoint(object.body, key) : undefined
}
