/**
 * Savepoints asked for by spec.savepointTrigger: the name a new trigger's savepoint gets, which
 * old ones go to keep spec.savepointHistory.maxCount, and the status entry and Event once the
 * generation that took it is closed. Pure.
 */
import type { LayoutTransition, StreamJob, StreamJobStatus } from '../api/streamjob-types.ts'
import { jobStorage } from '../model/job-storage.ts'
import type { Draft } from './draft.ts'

/** The savepoint `spec.savepointTrigger` asks for, unless status already lists one for it. */
export function pendingSavepoint(trigger: string | undefined, status: StreamJobStatus, generation: number) {
  if (!trigger || generation === 0 || status.savepoints?.some((s) => s.trigger === trigger)) return undefined
  return `sp-g${generation}-${trigger.replace(/[^A-Za-z0-9._-]/g, '-')}`.slice(0, 128)
}

/**
 * The oldest savepoints listed in status that must go so that, with the one being taken, no more
 * than `maxCount` remain. The recover pod that takes the new one deletes them from storage.
 */
export function savepointsPastHistory(status: StreamJobStatus, maxCount: number): string[] {
  const listed = status.savepoints ?? []
  return listed.slice(0, Math.max(0, listed.length + 1 - Math.max(1, maxCount))).map((s) => s.name)
}

export function savepointTaken(job: StreamJob, transition: LayoutTransition, now: number, draft: Draft) {
  return transition.savepoint ? savepointRecorded(job, transition.savepoint, job.spec.savepointTrigger, now, draft) : {}
}

/**
 * The status entry of savepoint `name`, now written, and its Events; the ones past the history
 * drop out. `trigger`: the spec.savepointTrigger that asked for it (none for a periodic one).
 */
export function savepointRecorded(
  job: StreamJob,
  name: string,
  trigger: string | undefined,
  now: number,
  draft: Draft,
) {
  const disposed = new Set(savepointsPastHistory(draft.status, job.spec.savepointHistory.maxCount))
  if (disposed.size > 0) {
    draft.event(
      'Normal',
      'SavepointsDisposed',
      `Deleted savepoint(s) ${[...disposed].join(', ')}: past spec.savepointHistory.maxCount (${job.spec.savepointHistory.maxCount})`,
    )
  }
  const where = `${jobStorage(job).path}savepoints/${name}/`
  draft.event(
    'Normal',
    'SavepointTaken',
    `Savepoint "${name}" is stored at ${where}; start from it with spec.restoreFrom`,
  )
  const entry = {
    name,
    ...(trigger ? { trigger } : {}),
    completedAt: new Date(now).toISOString(),
    uri: where,
  }
  return { savepoints: [...(draft.status.savepoints ?? []).filter((s) => !disposed.has(s.name)), entry] }
}
