/**
 * A layout change (DESIGN section 5): the running generation is closed before anything else
 * happens, so no transaction stays open across it.
 *
 *   Stopping ──every worker exited (or the deadline passed and its pod is gone)──▶ Recovering
 *   Recovering ──recover pod Succeeded──▶ Done: the next generation starts from the restore point
 *
 * Stopping asks each worker to stop with a final checkpoint (POST /stop, repeated each pass: it
 * is idempotent) and deletes pods that never started. Recovering runs `exactly recover` for the
 * old generation whether or not every worker stopped cleanly: after a clean stop its commits and
 * fences are no-ops, and it always writes the restore point the next generation starts from. A
 * failed recover pod is retried; past `maxRecoverAttempts` the job is Failed. Pure.
 */
import type { LayoutTransition, RuntimeLayout, StreamJob } from '../api/streamjob-types.ts'
import type { JobDurations } from '../model/job-durations.ts'
import { recoverPodName } from '../model/names.ts'
import type { RecoverLayout } from '../model/worker-config.ts'
import { desiredRecoverPod, type PodSettings } from '../model/worker-pod.ts'
import type { Draft } from './draft.ts'
import { isTerminated, type Observed } from './observed.ts'
import { restartBackoffMs } from './restart-policy.ts'
import { savepointsPastHistory } from './savepoints.ts'

export interface TransitionSettings {
  /** How long Stopping waits for final checkpoints before deleting the worker pods. */
  stopTimeoutMs: number
  maxRecoverAttempts: number
  /** How often to look again while waiting for pods. */
  pollMs: number
  /** The spec's durations, parsed once per pass (the recover pod's retry backoff). */
  durations: JobDurations
  pod: PodSettings
}

export function startTransition(
  kind: LayoutTransition['kind'],
  current: RuntimeLayout,
  now: number,
  draft: Draft,
  options: { restoreFrom?: string | undefined; stateless?: boolean; savepoint?: string | undefined } = {},
): LayoutTransition {
  const transition: LayoutTransition = {
    kind,
    toGeneration: current.generation + 1,
    startedAt: new Date(now).toISOString(),
    stage: 'Stopping',
    recoverAttempts: 0,
    ...(options.restoreFrom ? { restoreFrom: options.restoreFrom } : {}),
    ...(options.stateless ? { stateless: true } : {}),
    ...(options.savepoint ? { savepoint: options.savepoint } : {}),
  }
  const why = {
    upgrade: options.restoreFrom ? `spec.restoreFrom is "${options.restoreFrom}"` : 'the spec changed',
    savepoint: `spec.savepointTrigger asks for savepoint "${options.savepoint}"`,
    suspend: 'spec.state is suspended',
    delete: 'the job is being deleted',
  }[kind]
  if (current.generation > 0) {
    draft.event(
      'Normal',
      'StoppingGeneration',
      `Stopping generation ${current.generation} with a final checkpoint: ${why}`,
    )
  }
  return transition
}

export interface TransitionStep {
  transition: LayoutTransition
  /** Set when the change cannot go on: the job is Failed with this message. */
  failed?: string
}

/** Moves the transition on; returns it as it is now ('Done' once the restore point exists). */
export function decideTransition(
  observed: Observed,
  current: RuntimeLayout,
  transition: LayoutTransition,
  settings: TransitionSettings,
  now: number,
  draft: Draft,
): TransitionStep {
  const { job } = observed
  const workers = observed.pods.filter((p) => p.role === 'worker' && p.generation === current.generation)
  switch (transition.stage) {
    case 'Stopping': {
      const live = workers.filter((p) => !isTerminated(p))
      if (live.length === 0) {
        return decideTransition(observed, current, { ...transition, stage: 'Recovering' }, settings, now, draft)
      }
      const overdue = now - Date.parse(transition.startedAt) > settings.stopTimeoutMs
      for (const pod of live) {
        if (pod.deleting) continue
        if (overdue || pod.phase !== 'Running' || !pod.podIP || pod.slot === undefined || pod.attempt === undefined) {
          // Never started, or would not stop: SIGTERM (a final checkpoint if it can), then SIGKILL.
          draft.act({ kind: 'deletePod', name: pod.name, reason: overdue ? 'did not stop in time' : 'not running' })
        } else {
          const { generation, slot, attempt } = pod
          draft.act({ kind: 'stopWorker', pod: pod.name, podIP: pod.podIP, generation, slot, attempt })
        }
      }
      if (overdue) {
        draft.event(
          'Warning',
          'StopTimedOut',
          `Workers of generation ${current.generation} did not stop within ${settings.stopTimeoutMs / 1000}s: deleting them; exactly recover will close their transactions`,
        )
      }
      draft.requeue(settings.pollMs)
      return { transition }
    }
    case 'Recovering': {
      const name = recoverPodName(job.metadata.name, current.generation, transition.toGeneration)
      const pod = observed.pods.find((p) => p.name === name)
      const attempts = transition.recoverAttempts ?? 0
      if (pod?.phase === 'Succeeded') {
        draft.event(
          'Normal',
          'GenerationClosed',
          `Generation ${current.generation} is closed: its transactions are committed or aborted and generation ${transition.toGeneration} will start from its restore point`,
        )
        return { transition: { ...transition, stage: 'Done' } }
      }
      draft.requeue(settings.pollMs)
      if (pod?.phase === 'Failed') {
        if (pod.deleting) return { transition }
        // Retried after the job's restart backoff: Kafka or S3 may be away for a while.
        const { backoffInitialMs, backoffMaxMs } = settings.durations
        const due = (pod.finishedAt ?? 0) + restartBackoffMs(attempts, backoffInitialMs, backoffMaxMs)
        if (now < due) {
          draft.requeue(due - now)
          return { transition }
        }
        draft.act({ kind: 'deletePod', name, reason: 'recover failed; retrying' })
        draft.event(
          'Warning',
          'RecoverFailed',
          `${name} failed (exit code ${pod.exitCode ?? 'unknown'}); attempt ${attempts} of ${settings.maxRecoverAttempts}`,
        )
        return { transition }
      }
      if (pod) return { transition } // Pending, Running, or being deleted before a retry
      if (attempts >= settings.maxRecoverAttempts) {
        return {
          transition,
          failed: `exactly recover failed ${attempts} times for generation ${current.generation}; its log says why (Kafka or S3 unreachable, or a corrupt checkpoint); the job stays closed`,
        }
      }
      draft.act({
        kind: 'createPod',
        pod: desiredRecoverPod(
          job,
          {
            generation: current.generation,
            // A closed generation (a suspended job being deleted) has no slot left to close.
            parallelism: current.running ? current.parallelism : 0,
            nextGeneration: transition.toGeneration,
            reason: `${transition.kind} of ${job.metadata.namespace}/${job.metadata.name}`,
            restore: transition.restoreFrom
              ? savepointSource(transition.restoreFrom)
              : transition.stateless
                ? { kind: 'stateless' }
                : { kind: 'heads' },
            savepoint: transition.savepoint,
            ...(transition.savepoint
              ? { disposeSavepoints: savepointsPastHistory(job.status ?? {}, job.spec.savepointHistory.maxCount) }
              : {}),
            deleteStorage: transition.kind === 'delete' && job.spec.checkpoint.storage.onJobDelete !== 'retain',
          },
          settings.pod,
        ),
      })
      return { transition: { ...transition, recoverAttempts: attempts + 1 } }
    }
    case 'Done':
      return { transition }
  }
}

/** spec.restoreFrom in the recover pod's terms: a savepoint of this job by name, or any by URI. */
function savepointSource(restoreFrom: string): RecoverLayout['restore'] {
  return restoreFrom.startsWith('s3://')
    ? { kind: 'savepointUri', uri: `${restoreFrom.replace(/\/+$/, '')}/` }
    : { kind: 'savepoint', name: restoreFrom }
}

/** Pods of generations other than `keep` (old workers, finished recover pods): to delete. */
export function leftoverPods(observed: Observed, keep: number): string[] {
  return observed.pods.filter((p) => !p.deleting && (p.generation !== keep || p.role === 'recover')).map((p) => p.name)
}

export function jobKey(job: StreamJob): string {
  return `${job.metadata.namespace}/${job.metadata.name}`
}
