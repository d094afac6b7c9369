/**
 * The storage side of a savepoint taken while the job runs (contract/worker-savepoint.ts). Each
 * slot copies the snapshots and deltas its cut checkpoint names under `savepoints/<name>/` and
 * writes its part (`slot-<s>.json`, a restore-point document of its tasks); once every slot
 * holds, slot 0 joins the parts into the savepoint's manifest, the same document `exactly
 * recover` writes for a savepoint, so `spec.restoreFrom` reads both alike. Adapter code over
 * ObjectStore: it decides nothing.
 */
import type { ObjectStore } from '../storage/object-store.ts'
import { copyTaskObjects, writeSavepointDocument } from './checkpoint-documents.ts'
import { CheckpointCorruptError } from './checkpoint-errors.ts'
import { deleteSavepoint } from './collect-garbage.ts'
import type { CheckpointLayout } from './layout.ts'
import {
  chainFormatVersion,
  decodeRestorePoint,
  encodeRestorePoint,
  type JobIdentity,
  type ManifestTask,
  type RestorePoint,
} from './manifest.ts'

export interface SavepointPartsOptions {
  store: ObjectStore
  layout: CheckpointLayout
  job: JobIdentity
  generation: number
  slot: number
  parallelism: number
  now?: () => number
}

export class SavepointParts {
  readonly #o: SavepointPartsOptions

  constructor(options: SavepointPartsOptions) {
    this.#o = options
  }

  /** Copies the cut's objects and writes this slot's part. Writing it again is harmless: same keys. */
  async writePart(name: string, checkpointId: number, tasks: readonly ManifestTask[]): Promise<void> {
    const { store, layout, slot } = this.#o
    const copied = await copyTaskObjects(store, tasks, {
      snapshot: (partition) => layout.savepointSnapshot(name, partition),
      delta: (partition, index) => layout.savepointDelta(name, partition, index),
    })
    await store.put(
      layout.savepointPart(name, slot),
      encodeRestorePoint(this.#document(`savepoint ${name}: slot ${slot}, checkpoint ${checkpointId}`, copied)),
    )
  }

  /**
   * Slot 0, once released: the manifest from every slot's part, then the savepoints past the
   * history deleted. A part missing means a slot never held: the savepoint cannot be written.
   */
  async writeManifest(name: string, dispose: readonly string[]): Promise<'written' | 'alreadyWritten'> {
    const { store, layout, parallelism } = this.#o
    const parts = await Promise.all(
      Array.from({ length: parallelism }, async (_, slot) => {
        const key = layout.savepointPart(name, slot)
        const object = await store.get(key)
        if (!object)
          throw new CheckpointCorruptError(`write savepoint "${name}"`, key, `the part of slot ${slot} is missing`)
        return decodeRestorePoint(object.body, key)
      }),
    )
    const tasks = parts.flatMap((p) => p.tasks).sort((a, b) => a.partition - b.partition)
    const twice = tasks.find((t, i) => tasks[i - 1]?.partition === t.partition)
    if (twice) {
      const key = layout.savepointDir(name)
      throw new CheckpointCorruptError(`write savepoint "${name}"`, key, `task ${twice.partition} is in two parts`)
    }
    const outcome = await writeSavepointDocument(store, layout, name, this.#document(`savepoint ${name}`, tasks))
    await this.dispose(dispose)
    return outcome
  }

  /** Savepoints past the history, or an abandoned one nobody will write: every object under them. */
  async dispose(names: readonly string[]): Promise<void> {
    for (const name of names) await deleteSavepoint(this.#o.store, this.#o.layout, name)
  }

  #document(reason: string, tasks: ManifestTask[]): RestorePoint {
    const { job, generation } = this.#o
    return {
      formatVersion: chainFormatVersion(tasks),
      job,
      generation,
      createdAt: new Date((this.#o.now ?? Date.now)()).toISOString(),
      reason,
      tasks,
    }
  }
}
