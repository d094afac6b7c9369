/**
 * Carries out what decide() planned, as named steps (Strimzi's KafkaReconciler): one small
 * function per action kind, in the plan's order, then the status (once, only when it changed),
 * the Events, and last letting go of the object, which may vanish at once.
 *
 *   applyPlan: addFinalizer | ensureNetworkPolicy | ensurePodDisruptionBudget | createPod | deletePod | stopWorker
 *              | savepointStep (each action) → patchStatus
 *              → countRestarts → recordEvents → releaseFinalizer (when the plan removes it)
 *
 * A step that fails throws an ApplyError naming the step and carrying the status the pass meant
 * to write but did not. The controller does not write that status (the retry decides afresh from
 * what is there); it is there for logs and for a caller that wants it.
 */
import { isDeepStrictEqual } from 'node:util'
import type { Logger } from 'pino'
import type { StopTarget } from '../../contract/stop-request.ts'
import type { SavepointStep } from '../../contract/worker-savepoint.ts'
import type { StreamJob, StreamJobStatus } from '../api/streamjob-types.ts'
import type { Clock } from '../clock.ts'
import type { KubeApi } from '../kube/kube-api.ts'
import { LABEL } from '../model/labels.ts'
import { FINALIZER } from '../model/names.ts'
import type { OperatorMetrics } from '../operator-metrics.ts'
import type { Action, Plan, PlannedEvent } from '../reconcile/plan.ts'

export interface ApplyContext {
  api: Pick<
    KubeApi,
    | 'addFinalizer'
    | 'setFinalizers'
    | 'patchStatus'
    | 'createNetworkPolicy'
    | 'createPodDisruptionBudget'
    | 'createPod'
    | 'deletePod'
    | 'createEvent'
    | 'getStreamJob'
  >
  metrics: Pick<OperatorMetrics, 'restarts' | 'recoveries' | 'transactionsLost'>
  /** Already carries the job, namespace and reconcile id. */
  log: Logger
  /** Who records the Events (reportingInstance). */
  identity: string
  clock: Clock
  /** A signed POST /stop to a worker (worker-client.ts): true once the worker took the request. */
  requestStop(podIP: string, target: StopTarget): Promise<boolean>
  /** A signed savepoint step to a worker: true once the worker took it. */
  requestSavepointStep(podIP: string, target: StopTarget, step: SavepointStep): Promise<boolean>
  /** Our write returned `job`, superseding these resourceVersions: the controller reads it until its cache catches up. */
  remember(superseded: ReadonlyArray<string | undefined>, job: StreamJob): void
}

/** A step of applyPlan failed; the pass is retried from a fresh read. */
export class ApplyError extends Error {
  override name = 'ApplyError'
  readonly code = 'EXACTLY_APPLY_FAILED'
  readonly step: string
  /** The status the pass decided and had not written when the step failed (undefined: none). */
  readonly status: StreamJobStatus | undefined

  constructor(job: StreamJob, step: string, status: StreamJobStatus | undefined, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause)
    super(`Cannot apply step "${step}" to StreamJob "${job.metadata.namespace}/${job.metadata.name}": ${why}`, {
      cause,
    })
    this.step = step
    this.status = status
  }
}

/** What the steps of one pass share: the latest copy of the job and what is done already. */
interface Pass {
  job: StreamJob
  readonly plan: Plan
  readonly statusChanged: boolean
  statusWritten: boolean
  releasing: boolean
}

/** Pods and finalizers first, then status, then letting go of the object (it may vanish). */
export async function applyPlan(ctx: ApplyContext, observedJob: StreamJob, plan: Plan): Promise<void> {
  const pass: Pass = {
    job: observedJob,
    plan,
    statusChanged: plan.status !== undefined && !isDeepStrictEqual(plan.status, observedJob.status),
    statusWritten: false,
    releasing: false,
  }
  for (const action of plan.actions) await step(pass, action.kind, () => applyAction(ctx, pass, action))
  await step(pass, 'patchStatus', () => patchStatus(ctx, pass))
  countRestarts(ctx, observedJob, pass)
  recordEvents(ctx, pass.job, plan.events)
  if (pass.releasing) await step(pass, 'releaseFinalizer', () => releaseFinalizer(ctx, pass.job))
}

async function step(pass: Pass, name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run()
  } catch (error) {
    const unwritten = pass.statusChanged && !pass.statusWritten ? pass.plan.status : undefined
    throw new ApplyError(pass.job, name, unwritten, error)
  }
}

async function applyAction(ctx: ApplyContext, pass: Pass, action: Action): Promise<void> {
  switch (action.kind) {
    case 'addFinalizer':
      return addFinalizer(ctx, pass)
    case 'removeFinalizer':
      // Last of all, after status and Events: the object may be gone the moment it is released.
      pass.releasing = true
      return
    case 'ensureNetworkPolicy':
      return ensureNetworkPolicy(ctx, action)
    case 'ensurePodDisruptionBudget': {
      const outcome = await ctx.api.createPodDisruptionBudget(action.budget)
      if (outcome === 'created')
        ctx.log.info({ podDisruptionBudget: action.budget.metadata?.name }, 'created pod disruption budget')
      return
    }
    case 'createPod':
      return createPod(ctx, action)
    case 'deletePod':
      return deletePod(ctx, pass.job.metadata.namespace, action)
    case 'stopWorker':
      return stopWorker(ctx, pass.job, action)
    case 'savepointStep':
      return savepointStep(ctx, pass.job, action)
    default: {
      const unknown: never = action
      throw new TypeError(`Cannot apply action "${(unknown as Action).kind}": no step for it`)
    }
  }
}

async function addFinalizer(ctx: ApplyContext, pass: Pass): Promise<void> {
  const { job, plan } = pass
  if (pass.statusChanged && plan.actions.length === 1) {
    pass.job = await addFinalizerWithStatus(ctx, job, plan.status!)
    pass.statusWritten = true
    return
  }
  const updated = await ctx.api.setFinalizers(job, [...(job.metadata.finalizers ?? []), FINALIZER])
  ctx.remember([job.metadata.resourceVersion], updated)
  pass.job = updated
}

/**
 * A pass whose one action is adding the finalizer (a new job with nothing to run yet): the
 * finalizer (metadata) and the status (its own subresource) go out at once, one round trip
 * instead of two; with pods to create, the finalizer must land first and this does not apply.
 * Each write is guarded by the content it replaces, as resourceVersion moves with the other one.
 * Either may fail alone: the pass then fails and the retry reads the job afresh.
 */
async function addFinalizerWithStatus(ctx: ApplyContext, job: StreamJob, status: StreamJobStatus): Promise<StreamJob> {
  const [withFinalizer, withStatus] = await Promise.all([
    ctx.api.addFinalizer(job, FINALIZER),
    ctx.api.patchStatus(job, status, 'decisionInputs'),
  ])
  // The answer of the write applied second holds both changes (resourceVersions are opaque:
  // which came second shows in whether the finalizer write already saw the new status).
  const [first, second] = isDeepStrictEqual(withFinalizer.status, withStatus.status)
    ? [withStatus, withFinalizer]
    : [withFinalizer, withStatus]
  ctx.remember([job.metadata.resourceVersion, first.metadata.resourceVersion], second)
  return second
}

/**
 * Before the pods it guards: if it cannot be created (RBAC, admission), the step fails and the
 * pass creates no pod without it. AlreadyExists is done, as for pods: the name is the job's.
 */
async function ensureNetworkPolicy(
  ctx: ApplyContext,
  action: Extract<Action, { kind: 'ensureNetworkPolicy' }>,
): Promise<void> {
  const outcome = await ctx.api.createNetworkPolicy(action.policy)
  if (outcome === 'created') ctx.log.info({ networkPolicy: action.policy.metadata?.name }, 'created network policy')
}

async function createPod(ctx: ApplyContext, action: Extract<Action, { kind: 'createPod' }>): Promise<void> {
  const outcome = await ctx.api.createPod(action.pod)
  ctx.log.info({ pod: action.pod.metadata?.name, outcome }, 'created pod')
  if (outcome === 'created' && action.pod.metadata?.labels?.[LABEL.component] === 'recover')
    ctx.metrics.recoveries.inc()
}

async function deletePod(
  ctx: ApplyContext,
  namespace: string,
  action: Extract<Action, { kind: 'deletePod' }>,
): Promise<void> {
  await ctx.api.deletePod(namespace, action.name)
  ctx.log.info({ pod: action.name, why: action.reason }, 'deleted pod')
}

async function stopWorker(
  ctx: ApplyContext,
  job: StreamJob,
  action: Extract<Action, { kind: 'stopWorker' }>,
): Promise<void> {
  const { generation, slot, attempt } = action
  const target = { jobUid: job.metadata.uid ?? '', generation, slot, attempt }
  // Not an error: the request is repeated on every pass until the worker has exited.
  if (!(await ctx.requestStop(action.podIP, target)))
    ctx.log.warn({ pod: action.pod }, 'the worker did not take the stop request yet')
}

async function savepointStep(
  ctx: ApplyContext,
  job: StreamJob,
  action: Extract<Action, { kind: 'savepointStep' }>,
): Promise<void> {
  const { generation, slot, attempt, step } = action
  const target = { jobUid: job.metadata.uid ?? '', generation, slot, attempt }
  // Not an error either: the next pass reads where the worker is and asks again.
  if (!(await ctx.requestSavepointStep(action.podIP, target, step)))
    ctx.log.warn(
      { pod: action.pod, savepoint: step.name, step: step.step },
      'the worker did not take the savepoint step',
    )
}

async function patchStatus(ctx: ApplyContext, pass: Pass): Promise<void> {
  const { plan, job } = pass
  if (!plan.status || !pass.statusChanged || pass.statusWritten) return
  const updated = await ctx.api.patchStatus(job, plan.status)
  ctx.remember([job.metadata.resourceVersion], updated)
  pass.statusWritten = true
}

function countRestarts(ctx: ApplyContext, observedJob: StreamJob, pass: Pass): void {
  const before = observedJob.status?.restarts ?? 0
  const after = pass.plan.status?.restarts ?? 0
  if (pass.statusChanged && after > before) ctx.metrics.restarts.inc(jobMetricLabels(observedJob), after - before)
}

function jobMetricLabels(job: StreamJob): { namespace: string; job: string } {
  return { namespace: job.metadata.namespace, job: job.metadata.name }
}

function recordEvents(ctx: ApplyContext, job: StreamJob, events: readonly PlannedEvent[]): void {
  for (const event of events) {
    // Not awaited: an Event is a record for people, and the pass does not depend on it.
    void ctx.api.createEvent(job, event, ctx.identity, new Date(ctx.clock.now())).catch((error: unknown) => {
      ctx.log.warn({ err: error, reason: event.reason }, 'cannot record the event')
    })
    ctx.log.info({ event: event.reason, type: event.type }, event.message)
    // Recovery's finding of lost output is an Event once; the counter makes it alertable.
    if (event.reason === 'TransactionExpired') ctx.metrics.transactionsLost.inc(jobMetricLabels(job))
  }
}

async function releaseFinalizer(ctx: ApplyContext, job: StreamJob): Promise<void> {
  const { namespace, name } = job.metadata
  const latest = (await ctx.api.getStreamJob(namespace, name)) ?? job
  await ctx.api.setFinalizers(
    latest,
    (latest.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
  )
  ctx.log.info('released the StreamJob: no transaction is left open')
}
