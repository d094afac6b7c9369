/** What the decide() tests read from a plan, and the jobs and pods they start from. */

import type { StreamJob, StreamJobStatus } from '../../../../operator/api/streamjob-types.ts'
import { podConfig } from '../../../../operator/model/worker-pod.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import type { ObservedPod } from '../../../../operator/reconcile/observed.ts'
import type { Plan } from '../../../../operator/reconcile/plan.ts'
import { observed, SETTINGS, streamJob, T0, workerPod } from '../fixtures.ts'

/** The names of the pods the plan creates, in order. */
export const created = (plan: Plan) =>
  plan.actions.flatMap((a) => (a.kind === 'createPod' ? [a.pod.metadata?.name ?? ''] : []))
export const kinds = (plan: Plan) => plan.actions.map((a) => a.kind)
export const condition = (plan: Plan, type: string) => plan.status?.conditions?.find((c) => c.type === type)

/** The job as the API server would hand it back after the plan's status was written. */
export function after(job: StreamJob, plan: Plan): StreamJob {
  return { ...job, status: plan.status as StreamJobStatus }
}

/** A job past its first decision, and one running worker pod (attempt 1) per slot. */
export function running(parallelism = 2): { job: StreamJob; pods: ObservedPod[] } {
  const job = streamJob({ parallelism })
  const first = decide(observed(job, []), T0, SETTINGS)
  const pods = Array.from({ length: parallelism }, (_, slot) => workerPod(slot, 1))
  return { job: after(job, first), pods }
}

/** The job with `spec` changed, as generation 2. */
export function changed(job: StreamJob, spec: Partial<StreamJob['spec']>): StreamJob {
  return { ...job, metadata: { ...job.metadata, generation: 2 }, spec: { ...job.spec, ...spec } }
}

/** The recover pod `name` (no slot, no attempt), running unless `over` says otherwise. */
export function recoverPod(name: string, over: Partial<ObservedPod> = {}): ObservedPod {
  return { ...workerPod(0, 1), name, role: 'recover', slot: undefined, attempt: undefined, ...over }
}

/** The configuration of the first pod the plan creates ({} when it creates none). */
export function recoverConfig(plan: Plan) {
  const pod = plan.actions.find((a) => a.kind === 'createPod')
  return JSON.parse((pod?.kind === 'createPod' ? podConfig(pod.pod) : undefined) ?? '{}')
}
