/**
 * Retention of one slot's checkpoints (DESIGN section 6): deletes complete checkpoints beyond
 * `checkpoint.retained`, never one the head, a restore point or a savepoint references, nor one
 * whose objects a kept incremental chain still names. retention.ts decides; this reads what is
 * stored and deletes. Only the attempt that owns the head cleans up: a zombie's view is stale.
 */
import type { Logger } from 'pino'
import type { ObjectStore } from '../storage/object-store.ts'
import { readHead } from './checkpoint-documents.ts'
import { deleteInOrder } from './delete-in-order.ts'
import type { CheckpointLayout, CheckpointRef } from './layout.ts'
import { chainedCheckpoints, checkpointObjects, referencedCheckpoints } from './list-checkpoints.ts'
import { planRetention } from './retention.ts'

export async function deleteOldCheckpoints(options: {
  store: ObjectStore
  layout: CheckpointLayout
  generation: number
  slot: number
  attempt: number
  retained: number
  log?: Logger | undefined
}): Promise<void> {
  const { store, layout, generation, slot, attempt, retained, log } = options
  const current = await readHead(store, layout, generation, slot)
  // Only the owner cleans up: a zombie's view of the head is stale by definition.
  if (!current || current.head.attempt !== attempt) return
  const { head } = current
  const objects = await checkpointObjects(store, layout, generation, slot)
  const plan = (referenced: CheckpointRef[]) =>
    planRetention({
      present: objects.map((o) => o.ref),
      head: {
        attempt: head.attempt,
        checkpoint:
          head.checkpointId === null || head.checkpointAttempt === null
            ? null
            : { checkpointId: head.checkpointId, attempt: head.checkpointAttempt },
      },
      retained,
      referenced,
    })
  const external = await referencedCheckpoints(store, layout, generation, slot)
  let doomed = plan(external)
  // What stays may name objects of what would go (incremental chains): keep those too.
  const isDoomed = (ref: CheckpointRef) =>
    doomed.some((d) => d.checkpointId === ref.checkpointId && d.attempt === ref.attempt)
  const complete = objects.filter((o) => !isDoomed(o.ref) && o.keys.some((k) => k.endsWith('/manifest.json')))
  const chained = await chainedCheckpoints(
    store,
    layout,
    generation,
    slot,
    complete.map((o) => o.ref),
  )
  if (chained.some(isDoomed)) doomed = plan([...external, ...chained])
  if (doomed.length === 0) return
  const keys = objects
    .filter((o) => doomed.some((d) => d.checkpointId === o.ref.checkpointId && d.attempt === o.ref.attempt))
    .flatMap((o) => o.keys)
  await deleteInOrder(store, keys)
  log?.info({ deleted: doomed, objects: keys.length }, 'deleted old checkpoints')
}
