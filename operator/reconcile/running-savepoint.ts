/**
 * A savepoint taken while the job runs (spec.savepointTrigger on a Running job), as the operator
 * drives it (contract/worker-savepoint.ts; the workers' side is runtime/slot/savepoint-hold.ts):
 *
 *   Holding ──every slot holds at once, with time to spare──▶ Writing ──slot 0: written──▶ status.savepoints
 *      │                                                        │
 *      └──── a slot failed it, or past the timeout ──▶ Abandoned ◀┘   (decide.ts then takes it by a stop)
 *
 * The release waits until one pass reads every slot holding, each with at least
 * RELEASE_MARGIN_MS of its hold left: the reads of a pass take a few seconds at most, so at the
 * last read every slot was still holding, and the cuts are consistent (savepoint-hold.ts says
 * why). Pure.
 */
import type { SavepointStep } from '../../contract/worker-savepoint.ts'
import type { WorkerStatus } from '../../contract/worker-status.ts'
import type { RunningSavepointStatus, StreamJob, StreamJobStatus } from '../api/streamjob-types.ts'
import type { Draft } from './draft.ts'
import { livePods } from './live-reports.ts'
import type { Observed, ObservedPod } from './observed.ts'
import { pendingSavepoint, savepointRecorded, savepointsPastHistory } from './savepoints.ts'

/** The hold a slot must have left for the release: more than one pass's reads of /status can take. */
export const RELEASE_MARGIN_MS = 5000
/** How often to look while a savepoint is under way: the slots hold their commits meanwhile. */
export const SAVEPOINT_POLL_MS = 250

interface Slot {
  slot: number
  pod: (ObservedPod & { podIP: string; slot: number; attempt: number }) | undefined
  report: WorkerStatus | undefined
}

/**
 * Whether a new savepointTrigger is for this path rather than a stop: the job runs as its spec
 * says, it was Running at the last pass, and the trigger was not already abandoned here.
 */
export function takesSavepointWhileRunning(job: StreamJob, previous: StreamJobStatus, unchangedSpec: boolean): boolean {
  const name = pendingSavepoint(job.spec.savepointTrigger, previous, previous.current?.generation ?? 0)
  const abandoned = previous.runningSavepoint?.stage === 'Abandoned' && previous.runningSavepoint.name === name
  return unchangedSpec && previous.phase === 'Running' && job.spec.state === 'running' && !abandoned
}

/** True while a savepoint is under way: layout changes wait until it is written or abandoned. */
export function savepointUnderWay(status: StreamJobStatus): boolean {
  return status.runningSavepoint !== undefined && status.runningSavepoint.stage !== 'Abandoned'
}

export function decideRunningSavepoint(o: {
  observed: Observed
  generation: number
  parallelism: number
  allReady: boolean
  timeoutMs: number
  /** spec.savepointInterval; undefined: savepoints only on a trigger. */
  intervalMs: number | undefined
  now: number
  draft: Draft
}): void {
  const { observed, draft, now } = o
  const job = observed.job
  const running = draft.status.runningSavepoint
  const slots = slotsOf(observed, o.generation, o.parallelism)
  if (!running || running.stage === 'Abandoned') {
    if (!o.allReady) return
    const asked = pendingSavepoint(job.spec.savepointTrigger, draft.status, o.generation)
    if (asked && running?.name === asked) return
    const name = asked ?? periodicSavepoint(o.intervalMs, o.generation, now, draft)
    if (!name) return
    const entry: RunningSavepointStatus = {
      name,
      ...(asked && job.spec.savepointTrigger ? { trigger: job.spec.savepointTrigger } : {}),
      generation: o.generation,
      startedAt: new Date(now).toISOString(),
      stage: 'Holding',
    }
    draft.status = { ...draft.status, runningSavepoint: entry }
    draft.event('Normal', 'SavepointStarted', `Taking savepoint "${name}" while the job runs`)
    for (const s of slots) ask(draft, s, { step: 'hold', name })
    draft.requeue(SAVEPOINT_POLL_MS)
    return
  }
  const { name } = running
  const mine = (s: Slot) => (s.report?.savepoint?.name === name ? s.report.savepoint : undefined)
  const failed = slots.find((s) => mine(s)?.state === 'failed')
  const elapsed = now - Date.parse(running.startedAt)
  if (running.generation !== o.generation || failed || elapsed > o.timeoutMs) {
    const reason =
      running.generation !== o.generation
        ? `generation ${running.generation} was closed before it was written`
        : failed
          ? `slot ${failed.slot}: ${mine(failed)?.message ?? 'failed'}`
          : `not written within ${Math.round(o.timeoutMs / 1000)}s`
    // A trigger's copies stay for the stop that takes it under the same name; a periodic one's go.
    const dispose = running.trigger ? [] : [name]
    for (const s of slots)
      if (mine(s) || s.slot === 0)
        ask(draft, s, { step: 'release', name, keep: false, dispose: s.slot === 0 ? dispose : [] })
    draft.status = { ...draft.status, runningSavepoint: { ...running, stage: 'Abandoned', reason } }
    // A trigger's savepoint is then taken by a stop (decide.ts); a periodic one waits for its next turn.
    const then = running.trigger ? 'taking it by stopping the job' : 'the next periodic one is taken in its turn'
    draft.event(
      'Warning',
      'SavepointAbandoned',
      `Savepoint "${name}" could not be taken while the job runs (${reason}): ${then}`,
    )
    return
  }
  draft.requeue(SAVEPOINT_POLL_MS)
  if (running.stage === 'Holding') {
    const holding = (s: Slot) => mine(s)?.state === 'holding' && (mine(s)?.holdRemainingMs ?? 0) >= RELEASE_MARGIN_MS
    if (slots.every(holding)) {
      const dispose = savepointsPastHistory(draft.status, job.spec.savepointHistory.maxCount)
      for (const s of slots) ask(draft, s, { step: 'release', name, keep: true, dispose: s.slot === 0 ? dispose : [] })
      draft.status = { ...draft.status, runningSavepoint: { ...running, stage: 'Writing' } }
      return
    }
    // Asked again where the slot has not taken it: a worker that restarted since cuts afresh.
    for (const s of slots) if (!mine(s) || mine(s)?.state === 'released') ask(draft, s, { step: 'hold', name })
    return
  }
  if (mine(slots[0]!)?.state === 'written') {
    const { runningSavepoint: _done, ...rest } = draft.status
    draft.status = rest
    draft.status = { ...draft.status, ...savepointRecorded(job, name, running.trigger, now, draft) }
    return
  }
  const dispose = savepointsPastHistory(draft.status, job.spec.savepointHistory.maxCount)
  for (const s of slots)
    if (mine(s)?.state === 'holding')
      ask(draft, s, { step: 'release', name, keep: true, dispose: s.slot === 0 ? dispose : [] })
}

/**
 * The name of the periodic savepoint due now (spec.savepointInterval), with the time it is taken
 * at recorded; undefined when none is due. The schedule starts when a running job first has it.
 */
function periodicSavepoint(intervalMs: number | undefined, generation: number, now: number, draft: Draft) {
  if (intervalMs === undefined) return undefined
  const last = draft.status.periodicSavepointAt
  const due = last === undefined ? undefined : Date.parse(last) + intervalMs
  if (due === undefined || now >= due)
    draft.status = { ...draft.status, periodicSavepointAt: new Date(now).toISOString() }
  if (due === undefined || now < due) return undefined
  const time = new Date(now).toISOString().replace(/[-:]|\.\d+/g, '')
  return `sp-g${generation}-periodic-${time}`
}

/** Each slot of the generation with its newest live pod that can be asked, and what it reports. */
function slotsOf(observed: Observed, generation: number, parallelism: number): Slot[] {
  const pods = livePods(observed, generation)
  return Array.from({ length: parallelism }, (_, slot) => {
    const pod = pods
      .filter((p): p is Slot['pod'] & {} => p.slot === slot && p.attempt !== undefined && p.podIP !== undefined)
      .filter((p) => p.phase === 'Running')
      .sort((a, b) => b.attempt - a.attempt)[0]
    const report = pod ? observed.workers.get(pod.name) : undefined
    return { slot, pod, report: report?.attempt === pod?.attempt ? report : undefined }
  })
}

function ask(draft: Draft, s: Slot, step: SavepointStep): void {
  if (!s.pod) return
  const { name: pod, podIP, generation, slot, attempt } = s.pod
  draft.act({ kind: 'savepointStep', pod, podIP, generation, slot, attempt, step })
}
