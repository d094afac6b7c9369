/**
 * Storage garbage collection of closed generations (DESIGN section 6). A generation's
 * checkpoints are needed while it runs; once the next one has started from its restore point
 * they are garbage, except the objects that restore point (and the new generation's manifests,
 * whose incremental chains may start in it) still name. `planGarbage` decides, pure;
 * `collectGarbage` lists, reads the live documents and deletes.
 *
 * Kept always: every slot head (a closed generation's head, owned by the recovery attempt, is
 * what stops a late worker of that generation from starting again), savepoints (self-contained,
 * deleted only on request), anything of the current generation or later, and keys this job's
 * layout does not know (a legacy job's directory holds the uid directories of newer jobs of
 * the same name).
 */
import type { Logger } from 'pino'
import type { ObjectStore } from '../storage/object-store.ts'
import { deleteInOrder } from './delete-in-order.ts'
import type { CheckpointLayout } from './layout.ts'
import { snapshotKeysOf } from './list-checkpoints.ts'

export interface GarbageInput {
  /** Every key under the job's directory. */
  keys: readonly string[]
  layout: CheckpointLayout
  /** The generation that runs now (or is being closed): it and later ones are never touched. */
  generation: number
  /** Keys the live documents name: the current restore point's and current manifests' objects. */
  live: ReadonlySet<string>
}

/** The keys to delete (deleteInOrder deletes the objects before the documents naming them). */
export function planGarbage(input: GarbageInput): string[] {
  const objects: string[] = []
  const documents: string[] = []
  for (const key of input.keys) {
    if (input.live.has(key)) continue
    const parsed = input.layout.parse(key)
    if (!parsed || parsed.kind === 'head' || parsed.kind === 'savepoint') continue
    if (parsed.generation >= input.generation) continue
    if (parsed.kind === 'manifest' || parsed.kind === 'restorePoint') documents.push(key)
    else objects.push(key)
  }
  return [...objects, ...documents]
}

/** The documents whose objects must stay while `generation` runs: its restore point and manifests, and later restore points. */
export function liveDocuments(keys: readonly string[], layout: CheckpointLayout, generation: number): string[] {
  return keys.filter((key) => {
    const parsed = layout.parse(key)
    if (parsed?.kind === 'restorePoint') return parsed.generation >= generation
    return parsed?.kind === 'manifest' && parsed.generation >= generation
  })
}

export interface GarbageCollected {
  /** The keys deleted (or, with dryRun, that would be). */
  keys: string[]
}

/**
 * Deletes what closed generations left that nothing live names. Safe to run at any time by
 * anyone holding the current generation's number, and again: a document named live is read
 * before anything is deleted, and what a zombie of a closed generation writes afterwards is
 * garbage the next pass removes.
 */
export async function collectGarbage(options: {
  store: ObjectStore
  layout: CheckpointLayout
  generation: number
  dryRun?: boolean
  log?: Logger | undefined
}): Promise<GarbageCollected> {
  const { store, layout, generation } = options
  const keys = await store.list(layout.jobDir)
  const live = new Set<string>()
  for (const document of liveDocuments(keys, layout, generation)) {
    for (const key of await snapshotKeysOf(store, document)) live.add(key)
  }
  const doomed = planGarbage({ keys, layout, generation, live })
  if (!options.dryRun && doomed.length > 0) {
    await deleteInOrder(store, doomed)
    options.log?.info(
      { generation, objects: doomed.length },
      `deleted ${doomed.length} object(s) of generations before ${generation} that nothing live names`,
    )
  }
  return { keys: doomed }
}

/**
 * Everything of the job but its savepoints, for a StreamJob deleted without
 * `spec.checkpoint.storage.onJobDelete: retain`. Only keys this layout knows: never another
 * job's, nor (for a job without a uid directory) a newer same-named job's uid directory.
 */
export async function deleteJobStorage(store: ObjectStore, layout: CheckpointLayout): Promise<string[]> {
  const keys = (await store.list(layout.jobDir)).filter((key) => {
    const kind = layout.parse(key)?.kind
    return kind !== undefined && kind !== 'savepoint'
  })
  await deleteInOrder(store, keys)
  return keys
}

/**
 * One savepoint, on request (`exactly checkpoints delete-savepoint`) or past the history
 * (`exactly recover`). Savepoints are self-contained: nothing else names their objects.
 */
export async function deleteSavepoint(store: ObjectStore, layout: CheckpointLayout, name: string): Promise<string[]> {
  const keys = await store.list(layout.savepointDir(name))
  await deleteInOrder(store, keys)
  return keys
}
