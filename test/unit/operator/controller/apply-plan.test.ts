import type { V1Pod } from '@kubernetes/client-node'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { StreamJob, StreamJobStatus } from '../../../../operator/api/streamjob-types.ts'
import { type ApplyContext, ApplyError, applyPlan } from '../../../../operator/controller/apply-plan.ts'
import { FINALIZER } from '../../../../operator/model/names.ts'
import { desiredNetworkPolicy } from '../../../../operator/model/network-policy.ts'
import type { Action, Plan } from '../../../../operator/reconcile/plan.ts'
import { streamJob, T0 } from '../fixtures.ts'

/** An API that records each call and answers with the job it was given, one resourceVersion on. */
function fakeContext(fail: Partial<Record<string, Error>> = {}) {
  const calls: string[] = []
  const remembered: Array<[Array<string | undefined>, string | undefined]> = []
  const counted = { restarts: 0, recoveries: 0, transactionsLost: 0 }
  const labelled: Array<[string, unknown]> = []
  const bump = (job: StreamJob, change: Partial<StreamJob>): StreamJob => ({
    ...job,
    ...change,
    metadata: {
      ...job.metadata,
      ...change.metadata,
      resourceVersion: String(Number(job.metadata.resourceVersion ?? 0) + 1),
    },
  })
  const counter = (key: keyof typeof counted) =>
    ({
      inc: (labelsOrN?: unknown, n?: unknown) => {
        if (typeof labelsOrN === 'object') labelled.push([key, labelsOrN])
        counted[key] += typeof labelsOrN === 'number' ? labelsOrN : typeof n === 'number' ? n : 1
      },
    }) as unknown as ApplyContext['metrics']['restarts']
  const call = async <T>(name: string, answer: T): Promise<T> => {
    calls.push(name)
    const error = fail[name.split(' ')[0]!]
    if (error) throw error
    return answer
  }
  const ctx: ApplyContext = {
    api: {
      setFinalizers: (job, finalizers) =>
        call(`setFinalizers ${finalizers.join(',')}`, bump(job, { metadata: { ...job.metadata, finalizers } })),
      addFinalizer: (job, f) =>
        call(
          `addFinalizer ${f}`,
          bump(job, { metadata: { ...job.metadata, finalizers: [...(job.metadata.finalizers ?? []), f] } }),
        ),
      patchStatus: (job, status, guard = 'resourceVersion') =>
        call(`patchStatus ${status.phase} ${guard}`, bump(job, { status })),
      createNetworkPolicy: (policy) => call(`createNetworkPolicy ${policy.metadata?.name}`, 'created' as const),
      createPodDisruptionBudget: (budget) =>
        call(`createPodDisruptionBudget ${budget.metadata?.name}`, 'created' as const),
      createPod: (pod) => call(`createPod ${pod.metadata?.name}`, 'created' as const),
      deletePod: (namespace, name) => call(`deletePod ${namespace}/${name}`, 'deleted' as const),
      createEvent: (_job, event) => call(`createEvent ${event.reason}`, undefined),
      getStreamJob: (namespace, name) => call(`getStreamJob ${namespace}/${name}`, undefined),
    },
    metrics: {
      restarts: counter('restarts'),
      recoveries: counter('recoveries'),
      transactionsLost: counter('transactionsLost'),
    } as ApplyContext['metrics'],
    log: pino({ level: 'silent' }),
    identity: 'operator-0',
    clock: { now: () => T0 },
    requestStop: (podIP, target) =>
      call(`requestStop ${podIP} ${target.jobUid}-g${target.generation}-s${target.slot}-a${target.attempt}`, true),
    requestSavepointStep: (podIP, target, step) =>
      call(`savepoint ${step.step} ${step.name} ${podIP} ${target.jobUid}-s${target.slot}-a${target.attempt}`, true),
    remember: (superseded, job) => void remembered.push([[...superseded], job.metadata.resourceVersion]),
  }
  return { ctx, calls, remembered, counted, labelled }
}

const pod = (name: string, component = 'worker'): V1Pod => ({
  metadata: { name, namespace: 'team', labels: { 'app.kubernetes.io/component': component } },
})
const plan = (actions: Action[], status: StreamJobStatus | undefined, over: Partial<Plan> = {}): Plan => ({
  actions,
  status,
  events: [],
  requeueAfterMs: undefined,
  ...over,
})

describe('applyPlan()', () => {
  const job = streamJob({}, { resourceVersion: '10' })

  it('applies the actions in order, then writes the status once', async () => {
    const { ctx, calls, remembered } = fakeContext()
    await applyPlan(
      ctx,
      job,
      plan(
        [
          { kind: 'deletePod', name: 'counts-g1-s0-a1', reason: 'replaced' },
          { kind: 'createPod', pod: pod('counts-g1-s0-a2') },
          { kind: 'stopWorker', pod: 'counts-g1-s1-a1', podIP: '127.0.1.2', generation: 1, slot: 1, attempt: 1 },
        ],
        { phase: 'Running' },
      ),
    )
    expect(calls).toEqual([
      'deletePod team/counts-g1-s0-a1',
      'createPod counts-g1-s0-a2',
      'requestStop 127.0.1.2 uid-1-g1-s1-a1',
      'patchStatus Running resourceVersion',
    ])
    expect(remembered).toEqual([[['10'], '11']])
  })

  it('writes no status when it did not change, and none when the plan leaves it alone (paused)', async () => {
    const same = { ...job, status: { phase: 'Running' as const } }
    const first = fakeContext()
    await applyPlan(first.ctx, same, plan([], { phase: 'Running' }))
    expect(first.calls).toEqual([])
    const second = fakeContext()
    await applyPlan(second.ctx, job, plan([], undefined))
    expect(second.calls).toEqual([])
  })

  it('sends the finalizer and the status together when adding the finalizer is the one action', async () => {
    const { ctx, calls, remembered } = fakeContext()
    const fresh = streamJob({}, { resourceVersion: '10', finalizers: [] })
    await applyPlan(ctx, fresh, plan([{ kind: 'addFinalizer' }], { phase: 'Pending' }))
    expect(calls).toEqual([`addFinalizer ${FINALIZER}`, 'patchStatus Pending decisionInputs'])
    expect(remembered).toHaveLength(1)
    expect(remembered[0]![0]).toEqual(['10', '11'])
  })

  it('adds the finalizer first, on its own, when pods are to be created', async () => {
    const { ctx, calls } = fakeContext()
    const fresh = streamJob({}, { resourceVersion: '10', finalizers: [] })
    await applyPlan(
      ctx,
      fresh,
      plan([{ kind: 'addFinalizer' }, { kind: 'createPod', pod: pod('counts-g1-s0-a1') }], { phase: 'Starting' }),
    )
    expect(calls).toEqual([
      `setFinalizers ${FINALIZER}`,
      'createPod counts-g1-s0-a1',
      'patchStatus Starting resourceVersion',
    ])
  })

  it('releases the finalizer last, after status and Events, from a fresh read', async () => {
    const { ctx, calls } = fakeContext()
    await applyPlan(
      ctx,
      job,
      plan(
        [{ kind: 'removeFinalizer' }],
        { phase: 'Deleting' },
        {
          events: [{ type: 'Normal', reason: 'GenerationClosed', message: 'closed' }],
        },
      ),
    )
    expect(calls).toEqual([
      'patchStatus Deleting resourceVersion',
      'createEvent GenerationClosed',
      'getStreamJob team/counts',
      'setFinalizers ',
    ])
  })

  it('counts recover pods it created and restarts the status adds', async () => {
    const { ctx, counted } = fakeContext()
    await applyPlan(
      ctx,
      { ...job, status: { restarts: 1 } },
      plan([{ kind: 'createPod', pod: pod('counts-g1-recover-g2', 'recover') }], { restarts: 3 }),
    )
    expect(counted).toEqual({ restarts: 2, recoveries: 1, transactionsLost: 0 })
  })

  it('counts, per job, restarts and the transactions recovery found lost (from its Event)', async () => {
    const { ctx, counted, labelled } = fakeContext()
    const lost = { type: 'Warning' as const, reason: 'TransactionExpired', message: 'slot 0: lost' }
    await applyPlan(ctx, { ...job, status: { restarts: 0 } }, { ...plan([], { restarts: 1 }), events: [lost] })
    expect(counted).toMatchObject({ restarts: 1, transactionsLost: 1 })
    const labels = { namespace: job.metadata.namespace, job: job.metadata.name }
    expect(labelled).toEqual([
      ['restarts', labels],
      ['transactionsLost', labels],
    ])
  })

  it('throws an ApplyError naming the failed step and carrying the status it did not write', async () => {
    const { ctx, calls } = fakeContext({ createPod: new Error('quota exceeded') })
    const status: StreamJobStatus = { phase: 'Starting' }
    const error = await applyPlan(ctx, job, plan([{ kind: 'createPod', pod: pod('counts-g1-s0-a1') }], status)).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ApplyError)
    expect(error).toMatchObject({ name: 'ApplyError', code: 'EXACTLY_APPLY_FAILED', step: 'createPod', status })
    expect((error as Error).message).toBe('Cannot apply step "createPod" to StreamJob "team/counts": quota exceeded')
    expect((error as Error).cause).toBeInstanceOf(Error)
    expect(calls).toEqual(['createPod counts-g1-s0-a1'])
  })

  it('creates the NetworkPolicy before the pods it guards, and takes AlreadyExists as done', async () => {
    const { ctx, calls } = fakeContext()
    const policy = desiredNetworkPolicy(job, {
      operatorNamespace: 'ops',
      operatorPodLabels: { app: 'op' },
      metricsFrom: [],
    })
    const actions: Action[] = [
      { kind: 'ensureNetworkPolicy', policy },
      { kind: 'createPod', pod: pod('counts-g1-s0-a1') },
    ]
    await applyPlan(ctx, job, plan(actions, { phase: 'Starting' }))
    // An earlier pass (or another replica) made it: the api answers 'exists' and the pass goes on.
    ctx.api.createNetworkPolicy = async (p) => {
      calls.push(`createNetworkPolicy ${p.metadata?.name} (exists)`)
      return 'exists'
    }
    await applyPlan(ctx, job, plan(actions, { phase: 'Starting' }))
    expect(calls).toEqual([
      'createNetworkPolicy counts-workers-uid-1',
      'createPod counts-g1-s0-a1',
      'patchStatus Starting resourceVersion',
      'createNetworkPolicy counts-workers-uid-1 (exists)',
      'createPod counts-g1-s0-a1',
      'patchStatus Starting resourceVersion',
    ])
  })

  it('creates no pod when the NetworkPolicy cannot be created: the pass fails at that step', async () => {
    const { ctx, calls } = fakeContext({ createNetworkPolicy: new Error('forbidden') })
    const policy = desiredNetworkPolicy(job, {
      operatorNamespace: 'ops',
      operatorPodLabels: { app: 'op' },
      metricsFrom: [],
    })
    const error = await applyPlan(
      ctx,
      job,
      plan(
        [
          { kind: 'ensureNetworkPolicy', policy },
          { kind: 'createPod', pod: pod('counts-g1-s0-a1') },
        ],
        {
          phase: 'Starting',
        },
      ),
    ).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'ApplyError', step: 'ensureNetworkPolicy' })
    expect(calls).toEqual(['createNetworkPolicy counts-workers-uid-1'])
  })

  it('does not fail the pass when an Event cannot be recorded', async () => {
    const { ctx } = fakeContext({ createEvent: new Error('forbidden') })
    await expect(
      applyPlan(ctx, job, plan([], undefined, { events: [{ type: 'Warning', reason: 'WorkerFailed', message: 'x' }] })),
    ).resolves.toBeUndefined()
  })
})
