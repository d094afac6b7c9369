import { describe, expect, it } from 'vitest'
import type { WorkerStatus } from '../../../../contract/worker-status.ts'
import type { JobPhase, StreamJobStatus } from '../../../../operator/api/streamjob-types.ts'
import { buildConditions, type StatusInputs } from '../../../../operator/reconcile/status.ts'
import { CONDITION_TYPES, report, T0, workerPod } from '../fixtures.ts'

const input = (over: Partial<StatusInputs> = {}): StatusInputs => ({
  phase: 'Running',
  detail: 'slot 1 restarts',
  reports: [],
  paused: false,
  observedGeneration: 3,
  now: T0,
  ...over,
})
const worker = (slot: number, over: Partial<WorkerStatus> = {}) => report(workerPod(slot, 1), over)[1]
const condition = (status: StreamJobStatus, type: string) => status.conditions?.find((c) => c.type === type)

describe('buildConditions()', () => {
  it('says Ready and nothing in progress for a Running job, on every condition the generation it saw', () => {
    const status = buildConditions({}, input({ reports: [worker(0)] }))
    expect(status.phase).toBe('Running')
    expect(status.observedGeneration).toBe(3)
    expect(condition(status, 'Ready')).toEqual({
      type: 'Ready',
      status: 'True',
      reason: 'WorkersReady',
      message: 'Every worker is restored and processing',
      lastTransitionTime: '2026-11-25T10:00:00Z',
      observedGeneration: 3,
    })
    expect(condition(status, 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'Reconciled',
      message: 'The job is Running',
    })
    expect(condition(status, 'Degraded')).toMatchObject({ status: 'False', reason: 'NoFailures' })
    expect(status.conditions?.map((c) => c.type)).toEqual(CONDITION_TYPES)
  })

  it('gives each phase its Ready reason, and Progressing=True with the detail while the operator works', () => {
    const expected: Array<[JobPhase, string, boolean]> = [
      ['Pending', 'Starting', true],
      ['Starting', 'Starting', true],
      ['Recovering', 'Recovering', true],
      ['Upgrading', 'Upgrading', true],
      ['Suspending', 'Suspending', true],
      ['Suspended', 'Suspended', false],
      ['Failed', 'WorkerFailed', false],
      ['Deleting', 'WorkersNotReady', true],
    ]
    for (const [phase, reason, progressing] of expected) {
      const status = buildConditions({}, input({ phase }))
      expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason, message: 'slot 1 restarts' })
      expect(condition(status, 'Progressing')).toMatchObject(
        progressing
          ? { status: 'True', reason: phase, message: 'slot 1 restarts' }
          : { status: 'False', reason: 'Reconciled' },
      )
    }
  })

  it('marks a Failed job Degraded with the failure it recorded, and says the operator gave up', () => {
    const lastFailure = { time: new Date(T0).toISOString(), reason: 'RestartLimitExceeded', message: 'too many' }
    const status = buildConditions({ lastFailure }, input({ phase: 'Failed' }))
    expect(condition(status, 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'RestartLimitExceeded',
      message: 'too many',
    })
    expect(condition(status, 'Progressing')?.message).toBe('The operator gave up: see Degraded')
    const bare = buildConditions({}, input({ phase: 'Failed' }))
    expect(condition(bare, 'Degraded')).toMatchObject({ reason: 'WorkerFailed', message: 'slot 1 restarts' })
  })

  it('marks a Recovering job Degraded because a worker failed', () => {
    const status = buildConditions({}, input({ phase: 'Recovering' }))
    expect(condition(status, 'Degraded')).toMatchObject({ status: 'True', reason: 'WorkerFailed' })
  })

  it('reports failing checkpoints, then healthy ones, and Unknown before the first', () => {
    const none = buildConditions({}, input())
    expect(condition(none, 'CheckpointHealthy')).toMatchObject({ status: 'Unknown', reason: 'NoCheckpointYet' })
    const failing = buildConditions(
      none,
      input({
        reports: [worker(0), worker(1, { consecutiveCheckpointFailures: 2, lastCheckpointError: 'S3 down' })],
        now: T0 + 60_000,
      }),
    )
    expect(condition(failing, 'CheckpointHealthy')).toMatchObject({
      status: 'False',
      reason: 'CheckpointFailing',
      message: 'Slot 1: 2 checkpoint(s) in a row failed: S3 down',
      lastTransitionTime: '2026-11-25T10:01:00Z',
    })
    // No report this pass (workers restarting): the last word stands.
    const silent = buildConditions(failing, input({ now: T0 + 120_000 }))
    expect(condition(silent, 'CheckpointHealthy')).toEqual(condition(failing, 'CheckpointHealthy'))
    const healthy = buildConditions(silent, input({ reports: [worker(0)] }))
    expect(condition(healthy, 'CheckpointHealthy')).toMatchObject({ status: 'True', reason: 'CheckpointsCompleting' })
  })

  it('keeps TransactionsClean=False once a transaction expired, until status starts afresh', () => {
    const alarm = { reason: 'TransactionExpired', message: 'T(7) was aborted', since: new Date(T0).toISOString() }
    const lost = buildConditions({}, input({ reports: [worker(0, { alarms: [alarm] })] }))
    expect(condition(lost, 'TransactionsClean')).toMatchObject({
      status: 'False',
      reason: 'TransactionExpired',
      message: 'T(7) was aborted',
    })
    const later = buildConditions(lost, input({ reports: [worker(0)] }))
    expect(condition(later, 'TransactionsClean')).toMatchObject({ status: 'False', reason: 'TransactionExpired' })
    const fresh = buildConditions({}, input({ reports: [worker(0)] }))
    expect(condition(fresh, 'TransactionsClean')).toMatchObject({ status: 'True', reason: 'TransactionsCommitted' })
  })

  it('sets TransactionsClean=False while a worker could not look for hanging transactions, and clears it with reports without the alarm', () => {
    const alarm = {
      reason: 'HangingTransactionsUnchecked',
      message: 'Recovery could not look for or close hanging transactions: … Alter on the cluster',
      since: new Date(T0).toISOString(),
    }
    const unchecked = buildConditions({}, input({ reports: [worker(0, { alarms: [alarm] })] }))
    expect(condition(unchecked, 'TransactionsClean')).toMatchObject({
      status: 'False',
      reason: 'HangingTransactionsUnchecked',
      message: alarm.message,
    })
    expect(condition(buildConditions(unchecked, input({ reports: [] })), 'TransactionsClean')?.reason).toBe(
      'HangingTransactionsUnchecked',
    )
    expect(condition(buildConditions(unchecked, input({ reports: [worker(0)] })), 'TransactionsClean')).toMatchObject({
      status: 'True',
    })
  })

  it('sets TransactionsClean=False, HangingTransaction, while a worker sees one, and True once it is gone', () => {
    const alarm = {
      reason: 'HangingTransaction',
      message: 'Partition counts/1 has been held open for 16 min … kafka-transactions.sh … abort --topic counts',
      since: new Date(T0).toISOString(),
    }
    const held = buildConditions({}, input({ reports: [worker(0), worker(1, { alarms: [alarm] })] }))
    expect(condition(held, 'TransactionsClean')).toMatchObject({
      status: 'False',
      reason: 'HangingTransaction',
      message: alarm.message,
    })
    expect(
      condition(buildConditions(held, input({ reports: [worker(0), worker(1)] })), 'TransactionsClean'),
    ).toMatchObject({ status: 'True', reason: 'TransactionsCommitted' })
    // A lost transaction outranks it: that output is gone, this one only waits.
    const expired = { reason: 'TransactionExpired', message: 'T(7) was aborted', since: alarm.since }
    const both = buildConditions({}, input({ reports: [worker(0, { alarms: [alarm, expired] })] }))
    expect(condition(both, 'TransactionsClean')?.reason).toBe('TransactionExpired')
  })

  it('sets ReconciliationPaused from the annotation', () => {
    expect(condition(buildConditions({}, input({ paused: true })), 'ReconciliationPaused')).toMatchObject({
      status: 'True',
      reason: 'PausedByAnnotation',
    })
    expect(condition(buildConditions({}, input()), 'ReconciliationPaused')).toMatchObject({
      status: 'False',
      reason: 'NotPaused',
    })
  })

  it('moves lastTransitionTime only when a condition flips', () => {
    const first = buildConditions({}, input({ phase: 'Starting' }))
    const still = buildConditions(first, input({ phase: 'Recovering', now: T0 + 30_000 }))
    expect(condition(still, 'Ready')).toMatchObject({
      reason: 'Recovering',
      lastTransitionTime: '2026-11-25T10:00:00Z',
    })
    const ready = buildConditions(still, input({ now: T0 + 90_000 }))
    expect(condition(ready, 'Ready')).toMatchObject({ status: 'True', lastTransitionTime: '2026-11-25T10:01:30Z' })
  })

  it('sums up the oldest checkpoint of the workers, only when every worker has one', () => {
    const older = { id: 3, completedAt: new Date(T0 - 5000).toISOString(), durationMs: 30, bytes: 50 }
    const status = buildConditions({}, input({ reports: [worker(0), worker(1, { lastCheckpoint: older })] }))
    expect(status.lastCheckpoint).toEqual({
      id: 3,
      completedAt: older.completedAt,
      durationMs: 30,
      sizeBytes: 50,
      slot: 1,
    })
    const { lastCheckpoint: _none, ...starting } = worker(1)
    const partial = buildConditions({}, input({ reports: [worker(0), starting] }))
    expect(partial).not.toHaveProperty('lastCheckpoint')
  })

  it('leaves observedGeneration out when the job has none', () => {
    const status = buildConditions({}, input({ observedGeneration: undefined }))
    expect(status).not.toHaveProperty('observedGeneration')
    expect(condition(status, 'Ready')).not.toHaveProperty('observedGeneration')
  })
})
