/**
 * A running generation, slot by slot (DESIGN section 7): every slot has one live worker pod; a
 * slot whose pod failed gets a replacement with attempt + 1 after its backoff; past
 * `restartPolicy.maxRestarts`, or on a failure a restart would only repeat (exit code 2), the job
 * is Failed with the reason. Pure.
 *
 * Cases that can happen to a slot's latest pod, and what we do:
 * - none, never created: create attempt 1;
 * - none, gone (`kubectl delete pod`, the Eviction API, a drain, preemption): a disruption, not a
 *   failure: the worker took its final checkpoint on SIGTERM, so the next attempt starts at once
 *   and is not counted as a restart;
 * - being deleted: wait until it is gone;
 * - Pending, or Running and ready: nothing;
 * - Running but not ready past the deadline: a failure, counted now; delete it (the replacement
 *   follows when it is gone);
 * - Succeeded (it stopped cleanly though the operator did not ask): start the next attempt at
 *   once, not counted as a restart: a clean stop commits its last checkpoint, nothing failed;
 * - Failed with a DisruptionTarget condition (a node shutdown, a kubelet eviction): a disruption,
 *   replaced at once and not counted;
 * - Failed with exit code 2 (invalid config, corrupt checkpoint): the job is Failed;
 * - Failed otherwise (crash, OOM kill, fenced, superseded): restart after the backoff.
 * Restarts are counted until the job has been Ready with no failure for restartPolicy.resetAfter
 * (decide.ts), not over a generation's life.
 * A pass that creates a worker first ensures the job's NetworkPolicy (when the operator makes one).
 */
import { EXIT_NEEDS_A_PERSON } from '../../contract/exit-codes.ts'
import type { CheckpointSummary, StreamJob, WorkerSlotStatus } from '../api/streamjob-types.ts'
import type { JobDurations } from '../model/job-durations.ts'
import { desiredNetworkPolicy, type NetworkPolicySettings } from '../model/network-policy.ts'
import { desiredPodDisruptionBudget } from '../model/pod-disruption-budget.ts'
import { desiredWorkerPod, type PodSettings } from '../model/worker-pod.ts'
import type { Draft } from './draft.ts'
import { workerFailureWords } from './failure-words.ts'
import { isTerminated, type Observed, type ObservedPod } from './observed.ts'
import { restartBackoffMs } from './restart-policy.ts'

export interface SlotSettings {
  notReadyDeadlineMs: number
  /** Who may reach the workers' port; undefined: the operator makes no NetworkPolicy. */
  networkPolicy?: NetworkPolicySettings | undefined
  /** Whether each job gets a PodDisruptionBudget for its workers (the chart's podDisruptionBudget.enabled). */
  podDisruptionBudget?: boolean | undefined
  /** The spec's durations, parsed once per pass (the restart backoff). */
  durations: JobDurations
  pod: PodSettings
}

export type SlotsOutcome = 'allReady' | 'starting' | 'recovering' | 'failed'

export function decideSlots(
  observed: Observed,
  layout: { generation: number; parallelism: number },
  settings: SlotSettings,
  now: number,
  draft: Draft,
): SlotsOutcome {
  const { job } = observed
  const previous = new Map((draft.status.workers ?? []).map((w) => [w.slot, w]))
  const workers: WorkerSlotStatus[] = []
  const outcomes: SlotsOutcome[] = []
  for (let slot = 0; slot < layout.parallelism; slot++) {
    const pods = observed.pods
      .filter((p) => p.role === 'worker' && p.generation === layout.generation && p.slot === slot)
      .sort((a, b) => (a.attempt ?? 0) - (b.attempt ?? 0))
    const before = previous.get(slot)
    const known = before?.generation === layout.generation ? before : undefined
    const state: SlotState = {
      slot,
      generation: layout.generation,
      latest: pods.at(-1),
      attempt: Math.max(known?.attempt ?? 0, pods.at(-1)?.attempt ?? 0),
      failures: known?.failures ?? 0,
    }
    outcomes.push(decideSlot(job, state, settings, now, draft))
    // Older attempts that ended are history: the newest pod carries the slot.
    for (const pod of pods.slice(0, -1)) {
      if (isTerminated(pod) && !pod.deleting) draft.act({ kind: 'deletePod', name: pod.name, reason: 'replaced' })
    }
    workers.push(slotStatus(observed, state, known))
  }
  draft.status = { ...draft.status, workers }
  if (outcomes.includes('failed')) return 'failed'
  if (outcomes.includes('recovering')) return 'recovering'
  if (outcomes.includes('starting')) return 'starting'
  return 'allReady'
}

interface SlotState {
  slot: number
  generation: number
  latest: ObservedPod | undefined
  /** The highest attempt this slot has had in this generation (pods, or status if they are gone). */
  attempt: number
  failures: number
}

function decideSlot(job: StreamJob, s: SlotState, settings: SlotSettings, now: number, draft: Draft): SlotsOutcome {
  const pod = s.latest
  const restarting = s.attempt > 1 ? 'recovering' : 'starting'
  if (!pod) {
    if (s.attempt > 0) {
      return replaceDisrupted(job, s, settings, draft, `attempt ${s.attempt} of slot ${s.slot} was deleted or evicted`)
    }
    createAttempt(job, s, 1, settings, draft)
    return 'starting'
  }
  if (pod.deleting) return restarting
  switch (pod.phase) {
    case 'Pending':
    case 'Unknown':
      return restarting
    case 'Running': {
      if (pod.ready) return 'allReady'
      const since = pod.startedAt ?? now
      if (now - since > settings.notReadyDeadlineMs) {
        // Counted here: once deleted, the pod is gone like a disrupted one, which is not counted.
        const message = `Worker ${pod.name} was not ready for ${Math.round((now - since) / 1000)}s: replacing it`
        if (countFailure(job, s, now, draft, 'WorkerNotReady', message) === 'failed') return 'failed'
        draft.act({ kind: 'deletePod', name: pod.name, reason: 'not ready past the deadline' })
        draft.event('Warning', 'WorkerNotReady', message)
      } else draft.requeue(settings.notReadyDeadlineMs - (now - since))
      return restarting
    }
    case 'Succeeded':
      draft.event(
        'Warning',
        'WorkerStopped',
        `${pod.name} stopped cleanly though the operator did not ask it to; starting attempt ${s.attempt + 1} of slot ${s.slot} (not counted as a restart)`,
      )
      createAttempt(job, s, s.attempt + 1, settings, draft)
      return 'recovering'
    case 'Failed': {
      if (pod.disrupted) {
        return replaceDisrupted(
          job,
          s,
          settings,
          draft,
          `${pod.name} was stopped by a disruption (${pod.terminationReason ?? 'node'})`,
        )
      }
      const { reason, message: detail } = workerFailureWords(pod, job)
      if (pod.exitCode === EXIT_NEEDS_A_PERSON) {
        failJob(
          draft,
          now,
          s,
          pod,
          'WorkerFailedPermanently',
          `${detail}; restarting would only repeat it: check the worker's log, fix the spec or the stored checkpoint, or start from an older one with spec.restoreFrom`,
        )
        return 'failed'
      }
      return restart(job, s, settings, now, draft, reason, detail, pod.finishedAt ?? pod.startedAt ?? 0)
    }
  }
}

function restart(
  job: StreamJob,
  s: SlotState,
  settings: SlotSettings,
  now: number,
  draft: Draft,
  reason: string,
  message: string,
  /** When it failed, for the backoff; undefined: restart at once. */
  failedAt: number | undefined,
): SlotsOutcome {
  if (overRestartLimit(job, s, now, draft, message)) return 'failed'
  const { backoffInitialMs, backoffMaxMs } = settings.durations
  const wait = restartBackoffMs(s.failures + 1, backoffInitialMs, backoffMaxMs)
  const due = failedAt === undefined ? now : failedAt + wait
  if (now < due) {
    draft.requeue(due - now)
    return 'recovering'
  }
  countRestart(s, draft, failedAt ?? now, reason, message)
  draft.event('Warning', reason, `${message}; starting attempt ${s.attempt + 1} of slot ${s.slot}`)
  createAttempt(job, s, s.attempt + 1, settings, draft)
  return 'recovering'
}

/** A worker taken by a disruption: its next attempt now, with no count, no backoff and no lastFailure. */
function replaceDisrupted(
  job: StreamJob,
  s: SlotState,
  settings: SlotSettings,
  draft: Draft,
  what: string,
): SlotsOutcome {
  draft.event('Normal', 'WorkerDisrupted', `${what}; starting attempt ${s.attempt + 1} (not counted as a restart)`)
  createAttempt(job, s, s.attempt + 1, settings, draft)
  return 'recovering'
}

/** Counts a failure the operator itself acts on (a worker never ready): Failed past maxRestarts. */
function countFailure(
  job: StreamJob,
  s: SlotState,
  now: number,
  draft: Draft,
  reason: string,
  message: string,
): 'failed' | 'counted' {
  if (overRestartLimit(job, s, now, draft, message)) return 'failed'
  countRestart(s, draft, now, reason, message)
  return 'counted'
}

/** Past spec.restartPolicy.maxRestarts the job is Failed (true) instead of counting one more. */
function overRestartLimit(job: StreamJob, s: SlotState, now: number, draft: Draft, message: string): boolean {
  const restarts = draft.status.restarts ?? 0
  const max = job.spec.restartPolicy.maxRestarts
  if (restarts < max) return false
  failJob(
    draft,
    now,
    s,
    s.latest,
    'RestartLimitExceeded',
    `${message}; the job restarted ${restarts} times (spec.restartPolicy.maxRestarts is ${max})`,
  )
  return true
}

/** One more restart in status (and lastFailure), and one more failure in a row for the slot's backoff. */
function countRestart(s: SlotState, draft: Draft, failedAt: number, reason: string, message: string): void {
  draft.status = {
    ...draft.status,
    restarts: (draft.status.restarts ?? 0) + 1,
    lastFailure: {
      time: new Date(failedAt).toISOString(),
      slot: s.slot,
      ...(s.latest ? { pod: s.latest.name } : {}),
      attempt: s.attempt,
      reason,
      message,
    },
  }
  s.failures += 1
}

function createAttempt(job: StreamJob, s: SlotState, attempt: number, settings: SlotSettings, draft: Draft): void {
  s.attempt = attempt
  // Once per pass, before its first worker pod, so no worker starts reachable by every pod. Any
  // pass that creates a worker asks (the first pods of a generation, and each replacement): pod
  // creations are rare, the create costs one request answered AlreadyExists, and a policy
  // someone deleted comes back with the next worker. No informer, no request on other passes.
  if (settings.networkPolicy && !draft.actions.some((a) => a.kind === 'ensureNetworkPolicy')) {
    draft.act({ kind: 'ensureNetworkPolicy', policy: desiredNetworkPolicy(job, settings.networkPolicy) })
  }
  // The same for the PodDisruptionBudget, which a drain reads before it evicts a worker.
  if (settings.podDisruptionBudget && !draft.actions.some((a) => a.kind === 'ensurePodDisruptionBudget')) {
    draft.act({ kind: 'ensurePodDisruptionBudget', budget: desiredPodDisruptionBudget(job) })
  }
  draft.act({
    kind: 'createPod',
    pod: desiredWorkerPod(job, { generation: s.generation, slot: s.slot, attempt }, settings.pod),
  })
}

function failJob(
  draft: Draft,
  now: number,
  s: SlotState,
  pod: ObservedPod | undefined,
  reason: string,
  message: string,
): void {
  const already = draft.status.lastFailure?.reason === reason && draft.status.lastFailure.slot === s.slot
  draft.status = {
    ...draft.status,
    lastFailure: already
      ? draft.status.lastFailure!
      : {
          time: new Date(pod?.finishedAt ?? now).toISOString(),
          slot: s.slot,
          ...(pod ? { pod: pod.name } : {}),
          attempt: s.attempt,
          reason,
          message,
        },
  }
  if (!already) draft.event('Warning', reason, message)
}

function slotStatus(observed: Observed, s: SlotState, known: WorkerSlotStatus | undefined): WorkerSlotStatus {
  const pod = s.latest
  const report = pod && !pod.deleting ? observed.workers.get(pod.name) : undefined
  // The worker's report in status terms; the last known one while the worker does not answer.
  const reported = report?.lastCheckpoint
  const checkpoint: CheckpointSummary | undefined = reported
    ? {
        id: reported.id,
        completedAt: reported.completedAt,
        durationMs: reported.durationMs,
        sizeBytes: reported.bytes,
        ...(reported.stateBytes === undefined ? {} : { stateBytes: reported.stateBytes }),
      }
    : known?.lastCheckpoint
  return {
    slot: s.slot,
    generation: s.generation,
    attempt: s.attempt,
    ...(pod ? { pod: pod.name } : {}),
    phase: report?.phase ?? pod?.phase ?? 'Pending',
    ready: report?.ready ?? pod?.ready ?? false,
    ...(checkpoint ? { lastCheckpoint: checkpoint } : {}),
    ...(report?.lag !== undefined ? { lag: report.lag } : known?.lag !== undefined ? { lag: known.lag } : {}),
    // A completed checkpoint after a restart ends the run of failures that sets the backoff.
    failures: reported ? 0 : s.failures,
  }
}
