/**
 * Which stored checkpoints of one slot may be deleted (DESIGN section 6). Pure.
 *
 * A checkpoint directory is identified by its id and the attempt that wrote it (see layout.ts).
 * Facts the rules rest on, all following from the head's compare-and-swap:
 * - the head's `attempt` only grows: an attempt claims the head before it writes anything, and
 *   a claim by a lower attempt is refused; once claimed, every CAS of a lower attempt fails;
 * - so a directory written by an attempt lower than the head's can become the head never again;
 * - for an id at or below the head's, at most one directory was ever the head, and it is the
 *   one with the highest attempt: a later attempt writes id k only if k never became the head
 *   (it restored k-1), and an earlier attempt's k cannot become the head after that.
 *
 * Rules, in order:
 * 1. never the head's checkpoint, nor one a restore point or savepoint references;
 * 2. never a directory of the head's attempt (or a higher one, which cannot exist) that is not a
 *    complete checkpoint: above the head it may be the one the owner is storing right now;
 * 3. directories of lower attempts above the head, and the losers at or below it, were never
 *    complete and never will be: delete them (their transactions were aborted by fencing and
 *    their input replayed). This is safe only because the attempt is part of the key: with
 *    `chk-<id>/` alone, "above the head" could not tell a dead attempt's leftover from the
 *    owner's checkpoint in flight, and such directories would have to be left alone;
 * 4. of the complete checkpoints (head included), keep the `retained` newest, delete the rest.
 */
import type { CheckpointRef } from './layout.ts'

export interface RetentionInput {
  /** Every checkpoint directory found under the slot. */
  present: readonly CheckpointRef[]
  head: { attempt: number; checkpoint: CheckpointRef | null }
  /** How many complete checkpoints to keep, the head included (`checkpoint.retained`, >= 1). */
  retained: number
  /** Checkpoints of this slot named by restore points or savepoints. */
  referenced: readonly CheckpointRef[]
}

export function planRetention(input: RetentionInput): CheckpointRef[] {
  if (!Number.isInteger(input.retained) || input.retained < 1) {
    throw new RangeError(`Cannot plan retention: retained must be an integer >= 1, got ${input.retained}`)
  }
  const { head } = input
  const headId = head.checkpoint?.checkpointId ?? 0
  const protectedKeys = new Set([...input.referenced, ...(head.checkpoint ? [head.checkpoint] : [])].map(keyOf))

  // The directory that was (or may have been) the head, per id at or below the head's.
  const winners = new Map<number, CheckpointRef>()
  for (const ref of input.present) {
    if (ref.checkpointId > headId || ref.attempt > head.attempt) continue
    const winner = winners.get(ref.checkpointId)
    if (!winner || ref.attempt > winner.attempt) winners.set(ref.checkpointId, ref)
  }
  if (head.checkpoint) winners.set(head.checkpoint.checkpointId, head.checkpoint)
  const isWinner = (ref: CheckpointRef) => winners.get(ref.checkpointId)?.attempt === ref.attempt
  const kept = new Set(
    [...winners.values()]
      .sort((a, b) => b.checkpointId - a.checkpointId)
      .slice(0, input.retained)
      .map(keyOf),
  )

  const doomed = new Map<string, CheckpointRef>()
  for (const ref of input.present) {
    const key = keyOf(ref)
    if (protectedKeys.has(key)) continue // rule 1
    if (!isWinner(ref) || ref.checkpointId > headId) {
      // Rule 2 (the owner's directories are never garbage to itself), else rule 3.
      if (ref.attempt < head.attempt) doomed.set(key, ref)
    } else if (!kept.has(key)) {
      doomed.set(key, ref) // rule 4
    }
  }
  return [...doomed.values()].sort((a, b) => a.checkpointId - b.checkpointId || a.attempt - b.attempt)
}

function keyOf(ref: CheckpointRef): string {
  return `${ref.checkpointId}-a${ref.attempt}`
}
