/**
 * Errors of checkpoint storage. Each maps to one action of the caller; errors of the object
 * store itself (StorageUnavailableError: retry) pass through unchanged.
 *
 * | class                   | code                         | caller's action                                  |
 * |-------------------------|------------------------------|--------------------------------------------------|
 * | CheckpointCorruptError  | EXACTLY_CHECKPOINT_CORRUPT   | fail the job with the reason; never fall back    |
 * | CheckpointConflictError | EXACTLY_CHECKPOINT_CONFLICT  | fail the slot: two writers claim the same object |
 * | SupersededError (port)  | EXACTLY_SUPERSEDED           | exit at once: a newer attempt owns the slot      |
 */

/**
 * A head, manifest, restore point or snapshot is missing, unreadable or inconsistent. Restoring
 * an older checkpoint instead could repeat output that was already committed (DESIGN section 6),
 * so this is never retried into a fallback: the job fails and the user chooses `restoreFrom`.
 */
export class CheckpointCorruptError extends Error {
  override name = 'CheckpointCorruptError'
  readonly code = 'EXACTLY_CHECKPOINT_CORRUPT'
  /** The object that is wrong. */
  readonly key: string
  /** What is wrong with it, without the "Cannot …" prefix, for callers that add context. */
  readonly detail: string

  /** `new CheckpointCorruptError('restore checkpoint 7 of slot 1', key, 'snapshot "…" is missing')` */
  constructor(action: string, key: string, detail: string, options?: ErrorOptions) {
    super(`Cannot ${action}: ${detail}`, options)
    this.key = key
    this.detail = detail
  }
}

/**
 * A write-once object already exists with other content, or the head changed under this
 * attempt's feet although no newer attempt claimed it: two processes believe they are the same
 * attempt. Retrying cannot fix either.
 */
export class CheckpointConflictError extends Error {
  override name = 'CheckpointConflictError'
  readonly code = 'EXACTLY_CHECKPOINT_CONFLICT'
}
