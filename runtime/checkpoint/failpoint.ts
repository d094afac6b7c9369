/**
 * The named steps of the checkpoint and recovery protocol (DESIGN sections 4–5) where tests make
 * a worker kill or freeze itself (EXACTLY_FAILPOINTS, parsed by runtime/worker/failpoints.ts).
 * `after-snapshots` (snapshots uploaded, no manifest) and `after-manifest` (manifest written,
 * head not moved) fire inside checkpoint storage; `before-commit` is after the head moved.
 */

export const FAILPOINTS = [
  'before-precommit',
  'after-precommit',
  'after-snapshots',
  'after-manifest',
  'before-commit',
  'after-commit',
  'during-restore',
] as const

export type Failpoint = (typeof FAILPOINTS)[number]

/** Called at each named step; production passes none. */
export type FailpointHook = (step: Failpoint, checkpointId: number) => void
