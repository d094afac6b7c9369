import { describe, expect, it } from 'vitest'
import { FINALIZER, PAUSE_ANNOTATION } from '../../../../operator/model/names.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import { failed, observed, report, reporting, SETTINGS, streamJob, T0, workerPod } from '../fixtures.ts'
import { after, condition, created, kinds, running } from './decide-fixtures.ts'

// The layout changes are in decide-layout.test.ts, savepoints and restoreFrom in decide-savepoints.test.ts.
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
    const plan = decide(reporting(job, pods), T0 + 1000, SETTINGS)
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
    const again = decide(reporting(after(job, plan), pods), T0 + 2000, SETTINGS)
    expect(again.actions).toEqual([])
    expect(again.status).toEqual(plan.status)
  })

  it('keeps the last known lag while a restarted worker has not fetched yet (its report has no lag)', () => {
    const { job, pods } = running()
    const first = decide(reporting(job, pods, { lag: 7 }), T0 + 1000, SETTINGS)
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

  it('replaces a pod that was deleted or evicted at once, as a disruption: no restart counted, no lastFailure', () => {
    const { job, pods } = running()
    const first = decide(observed(job, pods), T0, SETTINGS)
    const plan = decide(observed(after(job, first), [pods[0]!]), T0 + 1000, SETTINGS)
    expect(created(plan)).toEqual(['counts-g1-s1-a2'])
    expect(plan.status?.restarts ?? 0).toBe(0)
    expect(plan.status?.lastFailure).toBeUndefined()
    expect(plan.events).toContainEqual(
      expect.objectContaining({
        type: 'Normal',
        reason: 'WorkerDisrupted',
        message: expect.stringContaining('not counted as a restart'),
      }),
    )
  })

  it('twenty disruptions in one generation leave a job with maxRestarts 1 Running', () => {
    let { job, pods } = running(1)
    job = { ...job, spec: { ...job.spec, restartPolicy: { ...job.spec.restartPolicy, maxRestarts: 1 } } }
    let now = T0
    for (let attempt = 1; attempt <= 20; attempt++) {
      now += 1000
      const ready = decide(observed(job, pods), now, SETTINGS)
      job = after(job, ready)
      now += 1000
      const gone = decide(observed(job, []), now, SETTINGS)
      expect(created(gone)).toEqual([`counts-g1-s0-a${attempt + 1}`])
      job = after(job, gone)
      pods = [workerPod(0, attempt + 1)]
    }
    expect(job.status?.restarts ?? 0).toBe(0)
    expect(job.status?.phase).not.toBe('Failed')
  })

  it('replaces a worker failed by a disruption (DisruptionTarget: node shutdown) at once, without counting it', () => {
    const { job, pods } = running(1)
    const first = decide(observed(job, pods), T0, SETTINGS)
    const shutdown = { ...failed(pods[0]!, 143, T0 + 500), disrupted: true, terminationReason: 'Error' }
    const plan = decide(observed(after(job, first), [shutdown]), T0 + 1000, SETTINGS)
    expect(created(plan)).toEqual(['counts-g1-s0-a2'])
    expect(plan.status?.restarts ?? 0).toBe(0)
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
