/**
 * What one reconcile pass sees: the StreamJob, its pods (as plain data read from the informer
 * cache) and what each running worker reports at GET /status. Built by the controller; the
 * decisions read nothing else, so they are pure and replayable in unit tests.
 */

import type { V1Pod } from '@kubernetes/client-node'
import type { WorkerStatus } from '../../contract/worker-status.ts'
import type { StreamJob } from '../api/streamjob-types.ts'
import type { KafkaSecretsState } from '../model/kafka-access.ts'
import { LABEL, type PodRole } from '../model/labels.ts'

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown'

export interface ObservedPod {
  name: string
  role: PodRole
  generation: number
  slot: number | undefined
  attempt: number | undefined
  phase: PodPhase
  ready: boolean
  /** Being deleted: it will be gone soon; never counted as a live worker. */
  deleting: boolean
  podIP: string | undefined
  /** When the container terminated: its exit code, reason and time (ms since the epoch). */
  exitCode: number | undefined
  terminationReason: string | undefined
  /** What the worker wrote to its termination log when it failed (runtime/worker/termination-log.ts). */
  terminationMessage?: string | undefined
  finishedAt: number | undefined
  startedAt: number | undefined
  /**
   * The pod was taken by a disruption (the Eviction API, a drain, preemption, a node shutdown):
   * its DisruptionTarget condition is True. Not the worker's failure.
   */
  disrupted?: boolean
  /** Why the pod cannot start, as the scheduler or the kubelet says it; absent while nothing blocks it. */
  blocked?: PodBlock | undefined
}

export interface PodBlock {
  kind: 'Unschedulable' | 'ImageUnavailable' | 'ContainerConfigInvalid'
  /** The scheduler's or the kubelet's own words, e.g. "0/1 nodes are available: 1 Insufficient cpu." */
  message: string
}

/** The kubelet's waiting reasons that mean the image cannot be had (pulled, or found with pull policy Never). */
const IMAGE_REASONS: ReadonlySet<string> = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'ImageInspectError',
])
const CONFIG_REASONS: ReadonlySet<string> = new Set(['CreateContainerConfigError', 'CreateContainerError'])

export interface Observed {
  job: StreamJob
  pods: readonly ObservedPod[]
  /** By pod name; absent when the worker did not answer (starting, gone, or unreachable). */
  workers: ReadonlyMap<string, WorkerStatus>
  /**
   * By pod name: why the worker's answer was refused (too large, not JSON, not a worker status;
   * contract/worker-status.ts). Such a worker counts as one that did not answer, and the job
   * says so in its Degraded condition. Absent: every answer was usable.
   */
  invalidReports?: ReadonlyMap<string, string>
  /** The Secrets spec.kafka names: a hash of their values, or what is missing (model/kafka-access.ts). */
  kafkaSecrets?: KafkaSecretsState
}

/** Reads a pod into ObservedPod; undefined for a pod without our labels. */
export function observePod(pod: V1Pod): ObservedPod | undefined {
  const labels = pod.metadata?.labels ?? {}
  const role = labels[LABEL.component]
  const generation = Number(labels[LABEL.generation])
  if ((role !== 'worker' && role !== 'recover') || !Number.isInteger(generation)) return undefined
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value))
  const container = pod.status?.containerStatuses?.[0]
  const terminated = container?.state?.terminated
  const time = (t: Date | string | undefined) => (t === undefined ? undefined : new Date(t).getTime())
  return {
    name: pod.metadata?.name ?? '',
    role,
    generation,
    slot: number(labels[LABEL.slot]),
    attempt: number(labels[LABEL.attempt]),
    phase: (pod.status?.phase as PodPhase | undefined) ?? 'Pending',
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    deleting: pod.metadata?.deletionTimestamp !== undefined,
    podIP: pod.status?.podIP,
    exitCode: terminated?.exitCode,
    terminationReason: terminated?.reason,
    terminationMessage: terminated?.message,
    finishedAt: time(terminated?.finishedAt),
    startedAt: time(container?.state?.running?.startedAt ?? pod.status?.startTime),
    blocked: podBlock(pod),
    disrupted: pod.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.status === 'True') ?? false,
  }
}

/** What keeps a pod from starting: the scheduler found no node, or the kubelet cannot create its container. */
export function podBlock(pod: V1Pod): PodBlock | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled')
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return { kind: 'Unschedulable', message: scheduled.message ?? 'no node can hold the pod' }
  }
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting
  const reason = waiting?.reason ?? ''
  const message = waiting?.message ? `${reason}: ${waiting.message}` : reason
  if (IMAGE_REASONS.has(reason)) return { kind: 'ImageUnavailable', message }
  if (CONFIG_REASONS.has(reason)) return { kind: 'ContainerConfigInvalid', message }
  return undefined
}

export function isTerminated(pod: ObservedPod): boolean {
  return pod.phase === 'Succeeded' || pod.phase === 'Failed'
}
