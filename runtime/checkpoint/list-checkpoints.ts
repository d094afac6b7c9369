/**
 * Listings of checkpoint storage: every slot of a job with its head and checkpoints (for
 * `exactly checkpoints`), the objects of one slot's checkpoints and the checkpoints that restore
 * points or savepoints still name (for retention). Adapter code over ObjectStore; it decides
 * nothing. ObjectStore errors (StorageUnavailableError: retry) pass through unchanged.
 */
import type { ObjectStore } from '../storage/object-store.ts'
import { readHead } from './checkpoint-documents.ts'
import { CheckpointCorruptError } from './checkpoint-errors.ts'
import type { CheckpointLayout, CheckpointRef } from './layout.ts'
import type { Head } from './manifest.ts'

export interface SlotCheckpoints {
  generation: number
  slot: number
  /** undefined when the slot has checkpoint objects but no head (its first claim never happened). */
  head: Head | undefined
  /** Every checkpoint directory present, complete or not, in id order. */
  checkpoints: CheckpointRef[]
}

/** Every slot of every generation of a job, with its head and the checkpoints stored for it. */
export async function listCheckpoints(store: ObjectStore, layout: CheckpointLayout): Promise<SlotCheckpoints[]> {
  const slots = new Map<
    string,
    { generation: number; slot: number; hasHead: boolean; refs: Map<string, CheckpointRef> }
  >()
  for (const key of await store.list(layout.jobDir)) {
    const parsed = layout.parse(key)
    if (parsed?.kind !== 'head' && parsed?.kind !== 'manifest' && parsed?.kind !== 'snapshot') continue
    const id = `${parsed.generation}/${parsed.slot}`
    const entry = slots.get(id) ?? { generation: parsed.generation, slot: parsed.slot, hasHead: false, refs: new Map() }
    slots.set(id, entry)
    if (parsed.kind === 'head') entry.hasHead = true
    else
      entry.refs.set(`${parsed.checkpointId}-${parsed.attempt}`, {
        checkpointId: parsed.checkpointId,
        attempt: parsed.attempt,
      })
  }
  const result: SlotCheckpoints[] = []
  for (const entry of slots.values()) {
    const head = entry.hasHead ? (await readHead(store, layout, entry.generation, entry.slot))?.head : undefined
    const checkpoints = [...entry.refs.values()].sort(
      (a, b) => a.checkpointId - b.checkpointId || a.attempt - b.attempt,
    )
    result.push({ generation: entry.generation, slot: entry.slot, head, checkpoints })
  }
  return result.sort((a, b) => a.generation - b.generation || a.slot - b.slot)
}

/** The objects of each checkpoint directory of one slot, manifest and snapshots, in id order. */
export async function checkpointObjects(
  store: ObjectStore,
  layout: CheckpointLayout,
  generation: number,
  slot: number,
): Promise<Array<{ ref: CheckpointRef; keys: string[] }>> {
  const byRef = new Map<string, { ref: CheckpointRef; keys: string[] }>()
  for (const key of await store.list(layout.slotDir(generation, slot))) {
    const parsed = layout.parse(key)
    if (parsed?.kind !== 'manifest' && parsed?.kind !== 'snapshot') continue
    const id = `${parsed.checkpointId}-${parsed.attempt}`
    const entry = byRef.get(id) ?? { ref: { checkpointId: parsed.checkpointId, attempt: parsed.attempt }, keys: [] }
    entry.keys.push(key)
    byRef.set(id, entry)
  }
  return [...byRef.values()].sort((a, b) => a.ref.checkpointId - b.ref.checkpointId || a.ref.attempt - b.ref.attempt)
}

/**
 * Checkpoints of one slot that restore points of later generations or savepoints name: they
 * must outlive retention. Anything unreadable aborts (retention is best effort, deleting is not).
 */
export async function referencedCheckpoints(
  store: ObjectStore,
  layout: CheckpointLayout,
  generation: number,
  slot: number,
): Promise<CheckpointRef[]> {
  const documents: string[] = []
  for (const key of await store.list(layout.restorePointsDir)) {
    const parsed = layout.parse(key)
    // A restore point only names checkpoints of generations before its own.
    if (parsed?.kind === 'restorePoint' && parsed.generation > generation) documents.push(key)
  }
  for (const key of await store.list(layout.savepointsDir)) if (key.endsWith('/manifest.json')) documents.push(key)
  const refs: CheckpointRef[] = []
  for (const key of documents) {
    for (const snapshotKey of await snapshotKeysOf(store, key)) {
      const parsed = layout.parse(snapshotKey)
      if (parsed?.kind === 'snapshot' && parsed.generation === generation && parsed.slot === slot) {
        refs.push({ checkpointId: parsed.checkpointId, attempt: parsed.attempt })
      }
    }
  }
  return refs
}

/**
 * Checkpoints of one slot whose objects the manifests of `checkpoints` name: with incremental
 * checkpoints a manifest names the snapshot and deltas of older checkpoints, which must outlive
 * retention as long as it is kept. A manifest lists its whole chain, so one level suffices.
 */
export async function chainedCheckpoints(
  store: ObjectStore,
  layout: CheckpointLayout,
  generation: number,
  slot: number,
  checkpoints: readonly CheckpointRef[],
): Promise<CheckpointRef[]> {
  const refs = new Map<string, CheckpointRef>()
  for (const checkpoint of checkpoints) {
    for (const key of await snapshotKeysOf(store, layout.manifest(generation, slot, checkpoint))) {
      const parsed = layout.parse(key)
      const isOther = parsed?.kind === 'snapshot' && !sameRef(parsed, checkpoint)
      if (isOther && parsed.generation === generation && parsed.slot === slot) {
        refs.set(`${parsed.checkpointId}-${parsed.attempt}`, {
          checkpointId: parsed.checkpointId,
          attempt: parsed.attempt,
        })
      }
    }
  }
  return [...refs.values()]
}

const sameRef = (a: CheckpointRef, b: CheckpointRef) => a.checkpointId === b.checkpointId && a.attempt === b.attempt

/**
 * `tasks[].snapshot.key` and `tasks[].deltas[].key` of a manifest, restore point or savepoint,
 * read loosely: savepoints may grow fields.
 */
export async function snapshotKeysOf(store: ObjectStore, key: string): Promise<string[]> {
  const object = await store.get(key)
  if (!object) return [] // deleted since the listing
  let document: unknown
  try {
    document = JSON.parse(object.body.toString('utf8'))
  } catch (error) {
    throw new CheckpointCorruptError(`read "${key}"`, key, `not JSON (${(error as Error).message})`, { cause: error })
  }
  const tasks = (document as { tasks?: unknown } | null)?.tasks
  if (!Array.isArray(tasks)) throw new CheckpointCorruptError(`read "${key}"`, key, 'it has no "tasks" list')
  return tasks.flatMap((task) => {
    const t = task as { snapshot?: { key?: unknown }; deltas?: Array<{ key?: unknown } | null> } | null
    const keys = [t?.snapshot?.key, ...(Array.isArray(t?.deltas) ? t.deltas.map((d) => d?.key) : [])]
    return keys.filter((k): k is string => typeof k === 'string')
  })
}
