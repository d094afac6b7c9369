/**
 * A failed worker described for a person: which pod, how it ended, and, where the cause is known
 * from the pod alone, what to change. Pure.
 */
import type { StreamJob } from '../api/streamjob-types.ts'
import { DEFAULT_RESOURCES } from '../model/worker-pod.ts'
import type { ObservedPod } from './observed.ts'

export interface FailureWords {
  /** status.lastFailure.reason and the Warning Event's reason. */
  reason: string
  message: string
}

export function workerFailureWords(pod: ObservedPod, job: StreamJob): FailureWords {
  const how = pod.terminationReason ?? 'Error'
  const exit = `exit code ${pod.exitCode ?? 'unknown'}`
  if (how === 'OOMKilled') {
    // The pod's limit: the spec's resources as a whole, or the defaults when the spec sets none.
    const resources = job.spec.resources ?? DEFAULT_RESOURCES.worker
    const limit = resources.limits?.memory
    const over = limit
      ? `for going over its memory limit of ${limit}`
      : 'when its node ran out of memory (the worker has no memory limit of its own)'
    return {
      reason: 'WorkerOOMKilled',
      message:
        `${pod.name} was killed by the kernel ${over} (OOMKilled, ${exit}). A worker holds its tasks' keyed ` +
        'state in memory: raise spec.resources.limits.memory (and requests.memory) to cover it, or spread the ' +
        'state over more workers with spec.parallelism',
    }
  }
  const told = toldFailure(pod.terminationMessage)
  if (told) return { reason: told.reason, message: `${pod.name} failed (${exit}): ${told.message}` }
  return { reason: 'WorkerFailed', message: `${pod.name} failed: ${exit} (${how})` }
}

/**
 * The reason and message a worker wrote to its termination log, when it names one: Kafka
 * refusals and the like say what to fix, which the exit code cannot.
 */
export function toldFailure(text: string | undefined): FailureWords | undefined {
  if (!text) return undefined
  try {
    const told = JSON.parse(text) as { reason?: unknown; message?: unknown }
    if (typeof told.reason !== 'string' || !/^[A-Z][A-Za-z]{1,63}$/.test(told.reason)) return undefined
    if (typeof told.message !== 'string' || told.message.length === 0) return undefined
    return { reason: told.reason, message: told.message.slice(0, 2048) }
  } catch {
    return undefined
  }
}

/**
 * What the recover pod that closed `generation` found and the operator must show: a
 * pre-committed transaction the broker had aborted (its output is lost). Undefined: a clean close.
 */
export function recoveryFindings(pods: readonly ObservedPod[], generation: number): FailureWords | undefined {
  const recover = pods.find((p) => p.role === 'recover' && p.generation === generation && p.phase === 'Succeeded')
  const told = toldFailure(recover?.terminationMessage)
  return told?.reason === 'TransactionExpired' ? told : undefined
}
