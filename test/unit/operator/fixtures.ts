/** Plain StreamJobs and observed pods for the operator's pure tests. */

import type { WorkerStatus } from '../../../contract/worker-status.ts'
import type { StreamJob, StreamJobSpec } from '../../../operator/api/streamjob-types.ts'
import { FINALIZER } from '../../../operator/model/names.ts'
import type { Observed, ObservedPod } from '../../../operator/reconcile/observed.ts'

export const T0 = Date.parse('2026-11-25T10:00:00Z')

/** The condition types DESIGN section 2 requires, in the order a StreamJob's status lists them. */
export const CONDITION_TYPES = [
  'Ready',
  'Progressing',
  'Degraded',
  'CheckpointHealthy',
  'TransactionsClean',
  'ReconciliationPaused',
]

export function streamJob(spec: Partial<StreamJobSpec> = {}, meta: Partial<StreamJob['metadata']> = {}): StreamJob {
  return {
    apiVersion: 'exactly.dev/v1alpha1',
    kind: 'StreamJob',
    metadata: { name: 'counts', namespace: 'team', uid: 'uid-1', generation: 1, finalizers: [FINALIZER], ...meta },
    spec: {
      image: 'exactly:dev',
      job: { module: '/app/examples/word-count/job.ts', onError: 'fail' },
      parallelism: 2,
      kafka: {
        bootstrapServers: ['kafka:9092'],
        source: { topics: ['words'], startFrom: 'earliest' },
        sink: { topic: 'counts' },
        transactionTimeout: '15m',
      },
      checkpoint: {
        interval: '10s',
        timeout: '2m',
        retained: 3,
        storage: { uri: 's3://bucket/jobs', endpoint: 'http://s3:8333', region: 'us-east-1', onJobDelete: 'delete' },
      },
      restartPolicy: { maxRestarts: 3, resetAfter: '10m', backoff: { initial: '10s', max: '5m' } },
      upgradeMode: 'last-state',
      state: 'running',
      savepointHistory: { maxCount: 10 },
      ...spec,
    },
  }
}

export function workerPod(slot: number, attempt: number, over: Partial<ObservedPod> = {}): ObservedPod {
  return {
    name: `counts-g${over.generation ?? 1}-s${slot}-a${attempt}`,
    role: 'worker',
    generation: 1,
    slot,
    attempt,
    phase: 'Running',
    ready: true,
    deleting: false,
    podIP: `127.0.1.${slot + 1}`,
    exitCode: undefined,
    terminationReason: undefined,
    finishedAt: undefined,
    startedAt: T0,
    ...over,
  }
}

export function failed(pod: ObservedPod, exitCode: number, finishedAt: number): ObservedPod {
  return { ...pod, phase: 'Failed', ready: false, exitCode, terminationReason: 'Error', finishedAt }
}

export function report(pod: ObservedPod, over: Partial<WorkerStatus> = {}): [string, WorkerStatus] {
  return [
    pod.name,
    {
      formatVersion: 1,
      job: { namespace: 'team', name: 'counts' },
      slot: pod.slot ?? 0,
      generation: pod.generation,
      attempt: pod.attempt ?? 1,
      phase: 'Running',
      ready: true,
      tasks: [pod.slot ?? 0],
      checkpointFailures: 0,
      consecutiveCheckpointFailures: 0,
      transactionsClean: true,
      alarms: [],
      recordsIn: 10,
      recordsOut: 10,
      lag: 0,
      lastCheckpoint: { id: 4, completedAt: new Date(T0).toISOString(), durationMs: 40, bytes: 100, stateBytes: 900 },
      ...over,
    },
  ]
}

export function observed(job: StreamJob, pods: ObservedPod[], reports: Array<[string, WorkerStatus]> = []): Observed {
  return { job, pods, workers: new Map(reports) }
}

export const SETTINGS = {
  notReadyDeadlineMs: 300_000,
  stopTimeoutMs: 180_000,
  maxRecoverAttempts: 3,
  pollMs: 1000,
  statusPollMs: 5000,
}

/** A layout change closing generation 1 of two slots into generation 2 from the slots' heads. */
export function recoverLayout(reason: string) {
  return { generation: 1, parallelism: 2, nextGeneration: 2, reason, restore: { kind: 'heads' } as const }
}

/** What a pass observes when every pod's worker answered its status (`over` patches each report). */
export function reporting(job: StreamJob, pods: ObservedPod[], over: Partial<WorkerStatus> = {}): Observed {
  return observed(
    job,
    pods,
    pods.map((p) => report(p, over)),
  )
}
