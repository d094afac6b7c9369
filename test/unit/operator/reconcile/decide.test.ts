import { describe, expect, it } from 'vitest'
import type { StreamJob, StreamJobStatus } from '../../../../operator/api/streamjob-types.ts'
import { FINALIZER, PAUSE_ANNOTATION } from '../../../../operator/model/names.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import type { ObservedPod } from '../../../../operator/reconcile/observed.ts'
import type { Action, Plan } from '../../../../operator/reconcile/plan.ts'
import { failed, observed, report, SETTINGS, streamJob, T0, workerPod } from '../fixtures.ts'

const created = (plan: Plan) =>
  plan.actions.flatMap((a) => (a.kind === 'createPod' ? [a.pod.metadata?.name ?? ''] : []))
const kinds = (plan: Plan) => plan.actions.map((a) => a.kind)
const condition = (plan: Plan, type: string) => plan.status?.conditions?.find((c) => c.type === type)

/** The job as the API server would hand it back after the plan's status was written. */
function after(job: StreamJob, plan: Plan): StreamJob {
  return { ...job, status: plan.status as StreamJobStatus }
}

function running(parallelism = 2): { job: StreamJob; pods: ObservedPod[] } {
  const job = streamJob({ parallelism })
  const first = decide(observed(job, []), T0, SETTINGS)
  const pods = Array.from({ length: parallelism }, (_, slot) => workerPod(slot, 1))
  return { job: after(job, first), pods }
}

describe('decide()', () => {
  it('adds the finalizer and creates one worker per slot on first sight', () => {
    const job = streamJob({}, { finalizers: [] })
    const plan = decide(observed(job, []), T0, SETTINGS)
    expect(kinds(plan)[0]).toBe('addFinalizer')
    expect(created(plan)).toEqual(['counts-g1-s0-a1', 'counts-g1-s1-a1'])
    expect(plan.status?.phase).toBe('Starting')
    expect(plan.status?.current).toMatchObject({ generation: 1, parallelism: 2, running: true })
    expect(condition(plan, 'Ready')).toMatchObject({ status: 'False', reason: 'Starting', observedGeneration: 1 })
  })

  it('is a no-op on a second pass once every worker runs: nothing created, Ready=True', () => {
    const { job, pods } = running()
    const plan = decide(
      observed(
        job,
        pods,
        pods.map((p) => report(p)),
      ),
      T0 + 1000,
      SETTINGS,
    )
    expect(plan.actions).toEqual([])
    expect(plan.status?.phase).toBe('Running')
    expect(condition(plan, 'Ready')).toMatchObject({ status: 'True', reason: 'WorkersReady' })
    expect(condition(plan, 'CheckpointHealthy')).toMatchObject({ status: 'True' })
    expect(plan.status?.workers?.map((w) => [w.slot, w.pod, w.attempt, w.lastCheckpoint?.id])).toEqual([
      [0, 'counts-g1-s0-a1', 1, 4],
      [1, 'counts-g1-s1-a1', 1, 4],
    ])
    // Uploaded bytes and restorable state apart: with incremental checkpoints they differ.
    expect(plan.status?.lastCheckpoint).toMatchObject({ id: 4, sizeBytes: 100, stateBytes: 900 })
    expect(plan.status?.workers?.[0]?.lastCheckpoint).toMatchObject({ sizeBytes: 100, stateBytes: 900 })
    const again = decide(
      observed(
        after(job, plan),
        pods,
        pods.map((p) => report(p)),
      ),
      T0 + 2000,
      SETTINGS,
    )
    expect(again.actions).toEqual([])
    expect(again.status).toEqual(plan.status)
  })

  it('keeps the last known lag while a restarted worker has not fetched yet (its report has no lag)', () => {
    const { job, pods } = running()
    const first = decide(
      observed(
        job,
        pods,
        pods.map((p) => report(p, { lag: 7 })),
      ),
      T0 + 1000,
      SETTINGS,
    )
    expect(first.status?.workers?.map((w) => w.lag)).toEqual([7, 7])
    const { lag: _unknown, ...noLag } = report(pods[0]!)[1]
    const next = decide(
      observed(after(job, first), pods, [[pods[0]!.name, noLag], report(pods[1]!, { lag: 0 })]),
      T0 + 2000,
      SETTINGS,
    )
    expect(next.status?.workers?.map((w) => w.lag)).toEqual([7, 0])
  })

  it('restarts a failed slot with attempt + 1 only after its backoff, and records why', () => {
    const { job, pods } = running()
    const crashed = [pods[0]!, failed(pods[1]!, 1, T0 + 5000)]
    const early = decide(observed(job, crashed), T0 + 10_000, SETTINGS)
    expect(created(early)).toEqual([])
    expect(early.status?.phase).toBe('Recovering')
    expect(early.requeueAfterMs).toBe(5000)
    expect(condition(early, 'Degraded')?.status).toBe('True')

    const due = decide(observed(job, crashed), T0 + 15_000, SETTINGS)
    expect(created(due)).toEqual(['counts-g1-s1-a2'])
    expect(due.status?.restarts).toBe(1)
    expect(due.status?.lastFailure).toMatchObject({ slot: 1, attempt: 1, reason: 'WorkerFailed' })
    expect(due.events.map((e) => e.reason)).toEqual(['WorkerFailed'])

    // Next pass: the replacement exists; the failed pod is cleaned up, the backoff doubles next time.
    const replaced = [...crashed, workerPod(1, 2, { ready: false, phase: 'Pending' })]
    const next = decide(observed(after(job, due), replaced), T0 + 16_000, SETTINGS)
    expect(next.actions).toEqual([{ kind: 'deletePod', name: 'counts-g1-s1-a1', reason: 'replaced' }])
    expect(next.status?.workers?.[1]).toMatchObject({ attempt: 2, failures: 1 })
  })

  it('fails the job past restartPolicy.maxRestarts with the reason', () => {
    const { job, pods } = running()
    const tired = after(job, { ...decide(observed(job, pods), T0, SETTINGS), status: { ...job.status, restarts: 3 } })
    const plan = decide(observed(tired, [pods[0]!, failed(pods[1]!, 1, T0)]), T0 + 3_600_000, SETTINGS)
    expect(created(plan)).toEqual([])
    expect(plan.status?.phase).toBe('Failed')
    expect(plan.status?.lastFailure?.reason).toBe('RestartLimitExceeded')
    expect(plan.status?.lastFailure?.message).toMatch(/maxRestarts is 3/)
    expect(condition(plan, 'Degraded')).toMatchObject({ status: 'True', reason: 'RestartLimitExceeded' })
  })

  it('does not restart a worker that exited 2 (restarting would repeat it): the job is Failed', () => {
    const { job, pods } = running()
    const plan = decide(observed(job, [pods[0]!, failed(pods[1]!, 2, T0)]), T0 + 3_600_000, SETTINGS)
    expect(created(plan)).toEqual([])
    expect(plan.status?.phase).toBe('Failed')
    expect(plan.status?.lastFailure?.reason).toBe('WorkerFailedPermanently')
  })

  it('replaces a pod that disappeared at once, counting a restart', () => {
    const { job, pods } = running()
    const first = decide(observed(job, pods), T0, SETTINGS)
    const plan = decide(observed(after(job, first), [pods[0]!]), T0 + 1000, SETTINGS)
    expect(created(plan)).toEqual(['counts-g1-s1-a2'])
    expect(plan.status?.restarts).toBe(1)
  })

  describe('a layout change', () => {
    function changed(job: StreamJob, spec: Partial<StreamJob['spec']>): StreamJob {
      return { ...job, metadata: { ...job.metadata, generation: 2 }, spec: { ...job.spec, ...spec } }
    }

    it('asks every worker to stop, runs exactly recover, then starts the next generation from its restore point', () => {
      const { job, pods } = running(2)
      const rescaled = changed(job, { parallelism: 3 })

      const stopping = decide(observed(rescaled, pods), T0, SETTINGS)
      expect(stopping.status?.phase).toBe('Upgrading')
      expect(stopping.status?.transition).toMatchObject({ kind: 'upgrade', toGeneration: 2, stage: 'Stopping' })
      expect(stopping.actions).toEqual<Action[]>([
        { kind: 'stopWorker', pod: 'counts-g1-s0-a1', podIP: '127.0.1.1' },
        { kind: 'stopWorker', pod: 'counts-g1-s1-a1', podIP: '127.0.1.2' },
      ])
      expect(created(stopping)).toEqual([])

      const stopped = pods.map((p) => ({ ...p, phase: 'Succeeded' as const, ready: false, exitCode: 0 }))
      const recovering = decide(observed(after(rescaled, stopping), stopped), T0 + 5000, SETTINGS)
      expect(created(recovering)).toEqual(['counts-g1-recover-g2'])
      const recoverPod = recovering.actions.find((a) => a.kind === 'createPod')!
      const env = recoverPod.kind === 'createPod' ? recoverPod.pod.spec?.containers[0]?.env : []
      const config = JSON.parse(env?.find((e) => e.name === 'EXACTLY_RECOVER_CONFIG')?.value ?? '{}')
      expect(config).toMatchObject({ generation: 1, parallelism: 2, nextGeneration: 2 })
      expect(recovering.status?.transition).toMatchObject({ stage: 'Recovering', recoverAttempts: 1 })

      const recover: ObservedPod = {
        ...workerPod(0, 1),
        name: 'counts-g1-recover-g2',
        role: 'recover',
        slot: undefined,
        attempt: undefined,
        phase: 'Succeeded',
      }
      const done = decide(observed(after(rescaled, recovering), [...stopped, recover]), T0 + 9000, SETTINGS)
      expect(
        done.actions.filter((a) => a.kind === 'deletePod').map((a) => (a.kind === 'deletePod' ? a.name : '')),
      ).toEqual(['counts-g1-s0-a1', 'counts-g1-s1-a1', 'counts-g1-recover-g2'])
      expect(created(done)).toEqual(['counts-g2-s0-a1', 'counts-g2-s1-a1', 'counts-g2-s2-a1'])
      expect(done.status?.current).toMatchObject({ generation: 2, parallelism: 3, running: true })
      expect(done.status?.transition).toBeUndefined()
      expect(done.events.map((e) => e.reason)).toEqual(['GenerationClosed', 'StartingGeneration'])
    })

    it('deletes workers that do not stop within the deadline', () => {
      const { job, pods } = running(1)
      const upgraded = changed(job, { image: 'exactly:v2' })
      const stopping = decide(observed(upgraded, pods), T0, SETTINGS)
      const late = decide(observed(after(upgraded, stopping), pods), T0 + SETTINGS.stopTimeoutMs + 1, SETTINGS)
      expect(late.actions).toEqual([{ kind: 'deletePod', name: 'counts-g1-s0-a1', reason: 'did not stop in time' }])
      expect(late.events.map((e) => e.reason)).toEqual(['StopTimedOut'])
    })

    it('retries a failed recover pod and fails the job after maxRecoverAttempts', () => {
      const { job } = running(1)
      const upgraded = changed(job, { image: 'exactly:v2' })
      let status: StreamJobStatus = {
        ...upgraded.status,
        transition: {
          kind: 'upgrade',
          toGeneration: 2,
          startedAt: new Date(T0).toISOString(),
          stage: 'Recovering',
          recoverAttempts: 3,
        },
      }
      const gone = decide(observed({ ...upgraded, status }, []), T0 + 1000, SETTINGS)
      expect(gone.status?.phase).toBe('Failed')
      expect(gone.status?.lastFailure?.reason).toBe('RecoverFailed')
      status = { ...status, transition: { ...status.transition!, recoverAttempts: 1 } }
      const retry = decide(observed({ ...upgraded, status }, []), T0 + 1000, SETTINGS)
      expect(created(retry)).toEqual(['counts-g1-recover-g2'])
    })

    it('retries a failed recover pod only after the restart backoff (Kafka or S3 may be away)', () => {
      const { job } = running(1)
      const upgraded = changed(job, { image: 'exactly:v2' })
      const status: StreamJobStatus = {
        ...upgraded.status,
        transition: {
          kind: 'upgrade',
          toGeneration: 2,
          startedAt: new Date(T0).toISOString(),
          stage: 'Recovering',
          recoverAttempts: 1,
        },
      }
      const recover = failed(
        { ...workerPod(0, 1), name: 'counts-g1-recover-g2', role: 'recover', slot: undefined, attempt: undefined },
        1,
        T0,
      )
      const early = decide(observed({ ...upgraded, status }, [recover]), T0 + 5000, SETTINGS)
      expect(early.actions).toEqual([])
      expect(early.requeueAfterMs).toBeLessThanOrEqual(5000)
      const due = decide(observed({ ...upgraded, status }, [recover]), T0 + 10_000, SETTINGS)
      expect(due.actions).toEqual([
        { kind: 'deletePod', name: 'counts-g1-recover-g2', reason: 'recover failed; retrying' },
      ])
      expect(due.events.map((e) => e.reason)).toEqual(['RecoverFailed'])
    })

    it('suspends (closing the generation) and resumes from the restore point', () => {
      const { job, pods } = running(1)
      const suspended = changed(job, { state: 'suspended' })
      const stopping = decide(observed(suspended, pods), T0, SETTINGS)
      expect(stopping.status?.phase).toBe('Suspending')
      const status: StreamJobStatus = {
        ...stopping.status,
        transition: { ...stopping.status!.transition!, stage: 'Done' },
      }
      const closed = decide(observed({ ...suspended, status }, []), T0 + 1000, SETTINGS)
      expect(closed.status?.phase).toBe('Suspended')
      expect(closed.status?.current).toMatchObject({ generation: 2, running: false })
      expect(created(closed)).toEqual([])
      expect(condition(closed, 'Ready')).toMatchObject({ status: 'False', reason: 'Suspended' })

      const resumed = decide(
        observed({ ...changed(job, { state: 'running' }), status: closed.status! }, []),
        T0 + 2000,
        SETTINGS,
      )
      expect(created(resumed)).toEqual(['counts-g2-s0-a1'])
      expect(resumed.status?.phase).toBe('Starting')
    })

    it('on deletion closes the generation before letting the StreamJob go', () => {
      const { job, pods } = running(1)
      const deleting = { ...job, metadata: { ...job.metadata, deletionTimestamp: new Date(T0).toISOString() } }
      const stopping = decide(observed(deleting, pods), T0, SETTINGS)
      expect(stopping.status?.phase).toBe('Deleting')
      expect(kinds(stopping)).toEqual(['stopWorker'])
      const status: StreamJobStatus = {
        ...stopping.status,
        transition: { ...stopping.status!.transition!, stage: 'Done' },
      }
      const done = decide(observed({ ...deleting, status }, []), T0 + 1000, SETTINGS)
      expect(kinds(done)).toEqual(['removeFinalizer'])
      const gone = decide(
        observed({ ...deleting, metadata: { ...deleting.metadata, finalizers: [] }, status }, []),
        T0,
        SETTINGS,
      )
      expect(gone).toEqual({ actions: [], status: undefined, events: [], requeueAfterMs: undefined })
    })
  })

  describe('savepoints and restoreFrom', () => {
    const recoverConfig = (plan: Plan) => {
      const pod = plan.actions.find((a) => a.kind === 'createPod')
      const env = pod?.kind === 'createPod' ? pod.pod.spec?.containers[0]?.env : []
      return JSON.parse(env?.find((e) => e.name === 'EXACTLY_RECOVER_CONFIG')?.value ?? '{}')
    }
    const recoverDone = (job: StreamJob, plan: Plan, name: string): [StreamJob, ObservedPod[]] => [
      after(job, plan),
      [{ ...workerPod(0, 1), name, role: 'recover', slot: undefined, attempt: undefined, phase: 'Succeeded' }],
    ]

    it('a new savepointTrigger closes the generation into a named savepoint, listed in status once', () => {
      const { job, pods } = running(1)
      const asked = { ...job, spec: { ...job.spec, savepointTrigger: 'nightly 1' } }
      const stopping = decide(observed(asked, pods), T0, SETTINGS)
      expect(stopping.status?.transition).toMatchObject({ kind: 'savepoint', savepoint: 'sp-g1-nightly-1' })
      const stopped = pods.map((p) => ({ ...p, phase: 'Succeeded' as const, ready: false }))
      const recovering = decide(observed(after(asked, stopping), stopped), T0 + 1000, SETTINGS)
      expect(recoverConfig(recovering)).toMatchObject({ savepoint: 'sp-g1-nightly-1', restore: { kind: 'heads' } })
      const [job2, recover] = recoverDone(asked, recovering, 'counts-g1-recover-g2')
      const done = decide(observed(job2, [...stopped, ...recover]), T0 + 2000, SETTINGS)
      expect(done.status?.savepoints).toEqual([
        {
          name: 'sp-g1-nightly-1',
          trigger: 'nightly 1',
          completedAt: new Date(T0 + 2000).toISOString(),
          uri: 's3://bucket/jobs/team/counts/savepoints/sp-g1-nightly-1/',
        },
      ])
      expect(created(done)).toEqual(['counts-g2-s0-a1'])
      const again = decide(
        observed(after(job2, done), [workerPod(0, 1, { generation: 2, name: 'counts-g2-s0-a1' })]),
        T0 + 3000,
        SETTINGS,
      )
      expect(again.status?.transition).toBeUndefined()
    })

    it('a new job with restoreFrom starts generation 1 from the savepoint, once', () => {
      const job = streamJob({ parallelism: 1, restoreFrom: 'sp-g4-nightly' })
      const first = decide(observed(job, []), T0, SETTINGS)
      expect(created(first)).toEqual(['counts-g0-recover-g1'])
      expect(recoverConfig(first)).toMatchObject({
        generation: 0,
        parallelism: 0,
        nextGeneration: 1,
        restore: { kind: 'savepoint', name: 'sp-g4-nightly' },
      })
      const [job2, recover] = recoverDone(job, first, 'counts-g0-recover-g1')
      const done = decide(observed(job2, recover), T0 + 1000, SETTINGS)
      expect(created(done)).toEqual(['counts-g1-s0-a1'])
      expect(done.status?.current).toMatchObject({ generation: 1, running: true, restoredFrom: 'sp-g4-nightly' })
      const steady = decide(observed(after(job2, done), [workerPod(0, 1)]), T0 + 2000, SETTINGS)
      expect(steady.status?.transition).toBeUndefined()
      expect(created(steady)).toEqual([])
    })

    it('upgradeMode stateless starts the next generation with empty state', () => {
      const { job, pods } = running(1)
      const upgraded = { ...job, spec: { ...job.spec, image: 'exactly:v2', upgradeMode: 'stateless' as const } }
      const stopping = decide(observed(upgraded, pods), T0, SETTINGS)
      const stopped = pods.map((p) => ({ ...p, phase: 'Succeeded' as const, ready: false }))
      const recovering = decide(observed(after(upgraded, stopping), stopped), T0 + 1000, SETTINGS)
      expect(recoverConfig(recovering)).toMatchObject({ restore: { kind: 'stateless' } })
    })
  })

  it('changes nothing but ReconciliationPaused while the pause annotation is "true"', () => {
    const { job, pods } = running(1)
    const paused = { ...job, metadata: { ...job.metadata, annotations: { [PAUSE_ANNOTATION]: 'true' } } }
    const plan = decide(observed(paused, [failed(pods[0]!, 1, T0)]), T0 + 3_600_000, SETTINGS)
    expect(plan.actions).toEqual([])
    expect(condition(plan, 'ReconciliationPaused')).toMatchObject({ status: 'True', reason: 'PausedByAnnotation' })
    expect(FINALIZER).toBe('exactly.dev/stop-cleanly')
  })

  it('reports failing checkpoints and lost transactions from the workers', () => {
    const { job, pods } = running(1)
    const plan = decide(
      observed(job, pods, [
        report(pods[0]!, {
          consecutiveCheckpointFailures: 2,
          lastCheckpointError: 'S3 unreachable',
          transactionsClean: false,
          alarms: [{ reason: 'TransactionExpired', message: 'T(7) was aborted', since: new Date(T0).toISOString() }],
        }),
      ]),
      T0,
      SETTINGS,
    )
    expect(condition(plan, 'CheckpointHealthy')).toMatchObject({ status: 'False', reason: 'CheckpointFailing' })
    expect(condition(plan, 'CheckpointHealthy')?.message).toContain('S3 unreachable')
    expect(condition(plan, 'TransactionsClean')).toMatchObject({ status: 'False', reason: 'TransactionExpired' })
  })
})
