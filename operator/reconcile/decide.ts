import { ConditionType, findCondition, ConditionReason as R } from '../api/conditions.ts'
import type { JobPhase, LayoutTransition, RuntimeLayout, StreamJobStatus } from '../api/streamjob-types.ts'
import { jobDurations } from '../model/job-durations.ts'
import { jobStorage } from '../model/job-storage.ts'
import { workerSelectorText } from '../model/labels.ts'
import { FINALIZER, PAUSE_ANNOTATION } from '../model/names.ts'
import type { NetworkPolicySettings } from '../model/network-policy.ts'
import { specRevision } from '../model/revision.ts'
import { jobConfigProblem } from '../model/worker-pod.ts'
import { decideSlots, type SlotSettings } from './decide-slots.ts'
import {
  decideTransition,
  jobKey,
  leftoverPods,
  startTransition,
  type TransitionSettings,
} from './decide-transition.ts'
import { Draft } from './draft.ts'
import { recoveryFindings } from './failure-words.ts'
import { transitionJobPhase } from './job-phase.ts'
import { invalidReportsOf, livePods, reportsOf } from './live-reports.ts'
import type { Observed } from './observed.ts'
import type { Plan } from './plan.ts'
import { blockedPods } from './pod-blocks.ts'
import { resetRestartsWhenStable } from './restart-policy.ts'
import { decideRunningSavepoint, savepointUnderWay, takesSavepointWhileRunning } from './running-savepoint.ts'
import { pendingSavepoint, savepointTaken } from './savepoints.ts'
import { buildConditions, transactionsCleanAtStart } from './status.ts'
import { recordUnrecordedFailures } from './unrecorded-failures.ts'

export interface DecideSettings
  extends Omit<SlotSettings, 'pod' | 'durations'>,
    Omit<TransitionSettings, 'pod' | 'durations'> {
  /** How often to refresh worker reports while the job runs. */
  statusPollMs: number
  /** The operator's public key for signed stop requests; absent: workers take none over HTTP. */
  stopKey?: string | undefined
  /** Who may reach the workers' port (the chart's settings, main.ts); absent: no NetworkPolicy. */
  networkPolicy?: NetworkPolicySettings | undefined
}

/** Degraded reasons announced by a Warning Event when they begin (the condition carries them after). */
const EPISODE_EVENTS: ReadonlySet<string> = new Set([
  R.WorkerStatusInvalid,
  R.PodUnschedulable,
  R.ImageUnavailable,
  R.ContainerConfigInvalid,
  R.KafkaSecretMissing,
])

/** How long a savepoint while running may take beyond checkpoint.timeout before a stop takes it. */
const SAVEPOINT_MARGIN_MS = 60_000

/** Seconds a worker gets between SIGTERM and SIGKILL, beyond checkpoint.timeout, to stop cleanly. */
const STOP_MARGIN_SECONDS = 30

export function decide(observed: Observed, now: number, decideSettings: DecideSettings): Plan {
  const { job } = observed
  const secrets = observed.kafkaSecrets ?? {}
  // While a Secret is missing its values are unknown: the running revision stands until it is back.
  const revision = secrets.missing
    ? (job.status?.current?.revision ?? specRevision(job.spec))
    : specRevision(job.spec, secrets.hash)
  // Once per pass: every decision below, and the pods it builds, reads these numbers.
  const durations = jobDurations(job.spec)
  const settings = {
    ...decideSettings,
    durations,
    pod: {
      revision,
      terminationGracePeriodSeconds: Math.ceil(durations.checkpointTimeoutMs / 1000) + STOP_MARGIN_SECONDS,
      durations,
      stopKey: decideSettings.stopKey,
    },
  }
  const previous: StreamJobStatus = job.status ?? {}
  const draft = new Draft({ ...previous })
  const paused = job.metadata.annotations?.[PAUSE_ANNOTATION] === 'true'
  const finish = (next: JobPhase, detail: string, layout?: RuntimeLayout) => {
    // Through the phase machine: a move the design does not allow fails the pass (job-phase.ts).
    const phase = transitionJobPhase(previous.phase, next, jobKey(job))
    const live = layout?.running ? reportsOf(observed, layout.generation) : []
    const invalid = layout?.running ? invalidReportsOf(observed, layout.generation) : []
    // For the scale subresource (kubectl scale, HPA, KEDA, the disruption controller).
    draft.status = {
      ...draft.status,
      replicas: layout?.running ? layout.parallelism : 0,
      selector: workerSelectorText(job.metadata.name),
      storagePath: jobStorage(job).path,
    }
    const blocked = secrets.missing
      ? { reason: R.KafkaSecretMissing, message: secrets.missing }
      : blockedPods(observed.pods)
    draft.status = buildConditions(draft.status, {
      phase,
      detail,
      reports: live,
      invalidReports: invalid,
      blocked,
      paused,
      observedGeneration: job.metadata.generation,
      now,
    })
    // Once per episode, not once per pass: the condition carries it while it lasts.
    const degraded = findCondition(draft.status.conditions, ConditionType.Degraded)
    const wasReason = findCondition(previous.conditions, ConditionType.Degraded)?.reason
    if (degraded && EPISODE_EVENTS.has(degraded.reason) && degraded.reason !== wasReason) {
      draft.event('Warning', degraded.reason, degraded.message)
    }
    const clean = findCondition(draft.status.conditions, ConditionType.TransactionsClean)
    const wasClean = findCondition(previous.conditions, ConditionType.TransactionsClean)?.reason
    const announced = clean?.reason === R.HangingTransactionsUnchecked || clean?.reason === R.HangingTransaction
    if (announced && wasClean !== clean.reason) {
      draft.event('Warning', clean.reason, clean.message)
    }
    return draft.plan()
  }

  if (paused) return finish(previous.phase ?? 'Pending', 'Reconciliation is paused')

  const deleting = job.metadata.deletionTimestamp !== undefined
  const hasFinalizer = job.metadata.finalizers?.includes(FINALIZER) ?? false
  if (deleting && !hasFinalizer) return { actions: [], status: undefined, events: [], requeueAfterMs: undefined }
  if (!deleting && !hasFinalizer) draft.act({ kind: 'addFinalizer' })
  // A job that never ran waits for its Secrets before its first pod (a Strimzi KafkaUser Secret
  // often appears a moment after the StreamJob); a running one keeps running on what it mounted.
  // No watch tells of a Secret's creation: look again.
  if (secrets.missing && !previous.current && !deleting) {
    draft.requeue(decideSettings.statusPollMs)
    return finish(previous.phase ?? 'Pending', secrets.missing)
  }

  const restoreFrom = job.spec.restoreFrom
  const starting = !deleting && job.spec.state === 'running'
  let current: RuntimeLayout =
    previous.current ??
    (restoreFrom && starting
      ? // Generation 0 holds nothing: "closing" it only writes generation 1's restore point from the savepoint.
        { generation: 0, parallelism: 0, revision, running: true }
      : { generation: 1, parallelism: job.spec.parallelism, revision, running: starting })
  let transition: LayoutTransition | undefined = previous.transition
  if (current.running) recordUnrecordedFailures(observed, current.generation, draft)

  // A closed (suspended) job's storage still has to go when it is deleted: a recover pod does it.
  const storageToDelete = deleting && job.spec.checkpoint.storage.onJobDelete !== 'retain' && !!previous.current
  // A savepoint under way while the job runs is let finish first (bounded by its timeout).
  const waitForSavepoint = savepointUnderWay(previous) && !deleting
  if (!transition && !waitForSavepoint && (current.running || storageToDelete)) {
    const restoring = restoreFrom !== undefined && restoreFrom !== '' && restoreFrom !== current.restoredFrom
    const pending = pendingSavepoint(job.spec.savepointTrigger, previous, current.generation)
    const unchanged = !restoring && current.revision === revision
    const savepoint = pending && !takesSavepointWhileRunning(job, previous, unchanged) ? pending : undefined
    if (deleting) transition = startTransition('delete', current, now, draft)
    else if (job.spec.state === 'suspended') transition = startTransition('suspend', current, now, draft)
    else if (savepoint || restoring || current.revision !== revision) {
      transition = startTransition(savepoint ? 'savepoint' : 'upgrade', current, now, draft, {
        restoreFrom: restoring ? restoreFrom : undefined,
        stateless: !restoring && current.revision !== revision && job.spec.upgradeMode === 'stateless',
        savepoint,
      })
    }
  }

  if (transition) {
    const step = decideTransition(observed, current, transition, settings, now, draft)
    transition = step.transition
    if (step.failed) {
      draft.status = {
        ...draft.status,
        current,
        transition,
        lastFailure: { time: new Date(now).toISOString(), reason: 'RecoverFailed', message: step.failed },
      }
      return finish('Failed', step.failed)
    }
    if (transition.stage !== 'Done') {
      draft.status = { ...draft.status, current, transition }
      const phase = { upgrade: 'Upgrading', savepoint: 'Upgrading', suspend: 'Suspending', delete: 'Deleting' }[
        transition.kind
      ] as JobPhase
      return finish(phase, `${transition.stage} generation ${current.generation}`)
    }
    // The old generation is closed; its pods (and the recover pod) are history.
    for (const name of leftoverPods(observed, -1)) draft.act({ kind: 'deletePod', name, reason: 'generation closed' })
    const closing = current.generation
    const restoredFrom = transition.restoreFrom ?? current.restoredFrom
    current = {
      generation: transition.toGeneration,
      parallelism: job.spec.parallelism,
      revision,
      running: false,
      ...(restoredFrom ? { restoredFrom } : {}),
    }
    const lost = recoveryFindings(observed.pods, closing)
    if (lost) draft.event('Warning', lost.reason, lost.message)
    // Whatever was under way of a savepoint while running belonged to the closed generation.
    const { runningSavepoint: _closed, ...withoutRunningSavepoint } = draft.status
    draft.status = {
      ...withoutRunningSavepoint,
      restarts: 0,
      conditions: transactionsCleanAtStart(draft.status.conditions ?? [], current.generation, lost?.message, now),
      ...savepointTaken(job, transition, now, draft),
    }
    const closedBy = transition.kind
    transition = undefined
    if (deleting && closedBy !== 'delete' && storageToDelete) {
      // A change was under way when the job was deleted: now close it for deletion, storage and all.
      draft.status = withLayout(draft.status, current, startTransition('delete', current, now, draft))
      return finish('Deleting', 'Deleting the storage of the closed job')
    }
    if (deleting) {
      draft.act({ kind: 'removeFinalizer' })
      draft.status = withLayout(draft.status, current, undefined)
      return finish('Deleting', 'Every transaction is closed; letting the StreamJob go')
    }
  }

  if (deleting) {
    // Nothing was running: nothing to close.
    draft.act({ kind: 'removeFinalizer' })
    draft.status = withLayout(draft.status, current, undefined)
    return finish('Deleting', 'No worker was running; letting the StreamJob go')
  }

  // A spec the pods cannot carry fails the generation before any pod exists (none is lost):
  // the next spec change starts the usual upgrade from the last restore point.
  const invalid = jobConfigProblem(job)
  if (invalid && job.spec.state !== 'suspended' && livePods(observed, current.generation).length === 0) {
    const again = previous.lastFailure?.reason === R.InvalidSpec && previous.lastFailure.message === invalid
    if (!again) draft.event('Warning', R.InvalidSpec, invalid)
    const time = again ? previous.lastFailure!.time : new Date(now).toISOString()
    draft.status = { ...draft.status, lastFailure: { time, reason: R.InvalidSpec, message: invalid } }
    draft.status = withLayout(draft.status, current, undefined)
    return finish('Failed', invalid, current)
  }
  if (!current.running) {
    if (job.spec.state === 'suspended') {
      for (const name of leftoverPods(observed, -1)) draft.act({ kind: 'deletePod', name, reason: 'suspended' })
      draft.status = withLayout(draft.status, current, undefined)
      return finish('Suspended', `Suspended; generation ${current.generation} starts from its restore point on resume`)
    }
    current = { ...current, parallelism: job.spec.parallelism, revision, running: true }
    draft.event(
      'Normal',
      'StartingGeneration',
      `Starting generation ${current.generation} with ${current.parallelism} worker(s)`,
    )
  }

  draft.status = withLayout(draft.status, current, undefined)
  for (const name of leftoverPods(observed, current.generation)) {
    draft.act({ kind: 'deletePod', name, reason: 'not part of the running generation' })
  }
  const outcome = decideSlots(observed, current, settings, now, draft)
  draft.requeue(settings.statusPollMs)
  decideRunningSavepoint({
    observed,
    generation: current.generation,
    parallelism: current.parallelism,
    allReady: outcome === 'allReady',
    timeoutMs: durations.checkpointTimeoutMs + SAVEPOINT_MARGIN_MS,
    intervalMs: durations.savepointIntervalMs,
    now,
    draft,
  })
  switch (outcome) {
    case 'failed':
      return finish('Failed', draft.status.lastFailure?.message ?? 'A worker failed', current)
    case 'recovering':
      return finish('Recovering', recoveringDetail(draft.status), current)
    case 'starting':
      return finish(
        'Starting',
        `Starting ${current.parallelism} worker(s) of generation ${current.generation}`,
        current,
      )
    case 'allReady':
      resetRestartsWhenStable(draft, now, durations.restartResetAfterMs)
      return finish('Running', 'Every worker is restored and processing', current)
  }
}

function withLayout(status: StreamJobStatus, current: RuntimeLayout, transition: LayoutTransition | undefined) {
  const { transition: _dropped, ...rest } = status
  return { ...rest, current, ...(transition ? { transition } : {}) }
}

function recoveringDetail(status: StreamJobStatus): string {
  const f = status.lastFailure
  return f ? `Slot ${f.slot ?? '?'} restarts after: ${f.message ?? f.reason}` : 'A worker restarts'
}
