/**
 * Every name the operator derives, in one place (Strimzi's `KafkaBridgeResources` habit). Pod
 * names are a pure function of (job, generation, slot, attempt), so a create that raced a crash
 * or a second operator answers AlreadyExists instead of making a twin.
 */
import { createHash } from 'node:crypto'

/** Pod names are DNS labels: 63 characters at most (the NetworkPolicy's name follows the same rule). */
const MAX_NAME = 63

export const FINALIZER = 'exactly.dev/stop-cleanly'
export const PAUSE_ANNOTATION = 'exactly.dev/pause-reconciliation'
export const REVISION_ANNOTATION = 'exactly.dev/revision'
/** The worker's or recover pod's configuration (JSON), mounted into the pod as a file (worker-pod.ts). */
export const CONFIG_ANNOTATION = 'exactly.dev/config'
export const FIELD_MANAGER = 'exactly-operator'

export function workerPodName(job: string, generation: number, slot: number, attempt: number): string {
  return fit(job, `-g${generation}-s${slot}-a${attempt}`)
}

export function recoverPodName(job: string, generation: number, nextGeneration: number): string {
  return fit(job, `-g${generation}-recover-g${nextGeneration}`)
}

/**
 * The NetworkPolicy that guards a job's worker pods (network-policy.ts): one per StreamJob, so a
 * second create answers AlreadyExists. The uid's first characters are part of it because the
 * operator only creates policies and watches none: a StreamJob deleted and created again under
 * the same name must not take the old one's policy, which the garbage collector is about to
 * delete, for its own.
 */
export function networkPolicyName(job: string, uid: string): string {
  return fit(job, uid ? `-workers-${uid.slice(0, 8)}` : '-workers')
}

/** The job's PodDisruptionBudget, like its NetworkPolicy: the uid keeps a re-created job's apart. */
export function podDisruptionBudgetName(job: string, uid: string): string {
  return fit(job, uid ? `-disruptions-${uid.slice(0, 8)}` : '-disruptions')
}

/** `<job><suffix>`, with the job part shortened and hashed when the whole would be too long. */
function fit(job: string, suffix: string): string {
  if (job.length + suffix.length <= MAX_NAME) return `${job}${suffix}`
  const hash = createHash('sha256').update(job).digest('hex').slice(0, 8)
  const keep = MAX_NAME - suffix.length - hash.length - 1
  return `${job.slice(0, keep).replace(/[-.]+$/, '')}-${hash}${suffix}`
}
