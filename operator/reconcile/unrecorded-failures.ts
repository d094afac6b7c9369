/**
 * A pass that counts a worker failure also creates its replacement, then writes the status. If
 * that write is refused (the spec changed meanwhile, so the decision is stale), the replacement
 * exists but the count does not, and no later pass would count it: the failed attempt is no
 * longer the slot's newest pod. status.workers[].attempt is written with restarts, so a slot
 * whose pods have a newer attempt than status records has failures status never recorded: the
 * Failed, undisrupted attempts from the recorded one up to the newest. They are counted here, at
 * the start of every pass of a running generation (a transition too: the chaos suite met a
 * rescale right after a kill). Pure.
 */
import { EXIT_NEEDS_A_PERSON } from '../../contract/exit-codes.ts'
import type { StreamJob } from '../api/streamjob-types.ts'
import type { Draft } from './draft.ts'
import { workerFailureWords } from './failure-words.ts'
import type { Observed } from './observed.ts'

export function recordUnrecordedFailures(observed: Observed, generation: number, draft: Draft): void {
  const workers = draft.status.workers
  if (!workers?.length) return
  let restarts = draft.status.restarts ?? 0
  let lastFailure = draft.status.lastFailure
  const next = workers.map((w) => {
    const recorded = w.attempt
    if (w.generation !== generation || recorded === undefined) return w
    const pods = observed.pods.filter((p) => p.role === 'worker' && p.generation === generation && p.slot === w.slot)
    const newest = Math.max(0, ...pods.map((p) => p.attempt ?? 0))
    if (newest <= recorded) return w
    const missed = pods
      .filter((p) => (p.attempt ?? 0) >= recorded && (p.attempt ?? 0) < newest)
      .filter((p) => p.phase === 'Failed' && !p.disrupted && p.exitCode !== EXIT_NEEDS_A_PERSON)
      .sort((a, b) => (a.attempt ?? 0) - (b.attempt ?? 0))
    for (const pod of missed) {
      const { reason, message } = workerFailureWords(pod, observed.job as StreamJob)
      restarts++
      const time = new Date(pod.finishedAt ?? pod.startedAt ?? 0).toISOString()
      lastFailure = { time, slot: w.slot, pod: pod.name, attempt: pod.attempt ?? 0, reason, message }
      draft.event('Warning', reason, `${message}; counted now: the pass that replaced it could not record it`)
    }
    return { ...w, attempt: newest }
  })
  draft.status = {
    ...draft.status,
    workers: next,
    restarts,
    ...(lastFailure ? { lastFailure } : {}),
  }
}
