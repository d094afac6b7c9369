/**
 * Transactional ids of a worker slot: a fixed pool of three per (job, generation, slot),
 * `<prefix><job-uid>-g<generation>-s<slot>-<k mod 3>` for the transaction T(k) of checkpoint k.
 *
 * Why three: T(k+3) reuses T(k)'s id and is opened at barrier k+2, which starts only after
 * checkpoint k+1 completed, so the slot head is already past k and no recovery will ever try to
 * commit T(k) with its old epoch again. With two ids, T(k+2) would re-initialize T(k)'s id while
 * the head may still name T(k): a crash there would turn recovery's commit into "fenced".
 * A bounded pool also lets recovery fence every id the slot ever used without probing.
 *
 * Ownership: only the attempt that holds the slot head may initialize or commit these ids; a new
 * attempt fences all of them after committing what the head promised.
 */

export const POOL_SIZE = 3

export interface SlotIdentity {
  jobUid: string
  /** spec.kafka.transactionalIdPrefix: written before the job uid, so ACLs can name a fixed prefix. */
  prefix?: string
  generation: number
  slot: number
}

export function transactionalId(slot: SlotIdentity, checkpointId: number): string {
  if (!Number.isInteger(checkpointId) || checkpointId < 0) {
    throw new RangeError(`Cannot name a transaction: checkpoint id must be a non-negative integer, got ${checkpointId}`)
  }
  return `${slot.prefix ?? ''}${slot.jobUid}-g${slot.generation}-s${slot.slot}-${checkpointId % POOL_SIZE}`
}

export function transactionalIdPool(slot: SlotIdentity): string[] {
  return Array.from({ length: POOL_SIZE }, (_, i) => transactionalId(slot, i))
}

const ID_PATTERN = /^(.+)-g(\d+)-s(\d+)-(\d+)$/

/** Parses an id built by `transactionalId`; undefined for ids that are not ours. */
export function parseTransactionalId(id: string): (SlotIdentity & { poolIndex: number }) | undefined {
  const match = ID_PATTERN.exec(id)
  if (!match) return undefined
  const poolIndex = Number(match[4])
  if (poolIndex >= POOL_SIZE) return undefined
  return { jobUid: match[1]!, generation: Number(match[2]), slot: Number(match[3]), poolIndex }
}
