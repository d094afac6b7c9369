/**
 * Deletes checkpoint-storage keys in the order that keeps storage readable if the pass is cut
 * short: objects first, then the documents that name them, slot heads last. A document is then
 * never left naming a missing object, and running the pass again finishes it.
 */
import type { ObjectStore } from '../storage/object-store.ts'

const rank = (key: string) => (key.endsWith('/head.json') ? 2 : key.endsWith('.json') ? 1 : 0)

export async function deleteInOrder(store: ObjectStore, keys: readonly string[]): Promise<void> {
  for (const r of [0, 1, 2]) {
    const batch = keys.filter((k) => rank(k) === r)
    if (batch.length > 0) await store.delete(batch)
  }
}
