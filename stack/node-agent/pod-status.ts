/**
 * Builds pod status objects the way the kubelet reports them. Pure: the agent decides what
 * happened (started, probed ready, exited) and these functions only shape the status.
 */
import type { V1ContainerState, V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node'

export interface ContainerRun {
  name: string
  image: string
  pid: number | undefined
  startedAt: Date | undefined
  ready: boolean
  restartCount: number
  state: V1ContainerState
  lastState: V1ContainerState
}

export function podStatus(
  pod: V1Pod,
  phase: string,
  podIP: string | undefined,
  run: ContainerRun,
  now: Date,
): V1PodStatus {
  const ready = run.ready && phase === 'Running'
  const terminal = phase === 'Succeeded' || phase === 'Failed'
  const status: V1PodStatus = {
    phase,
    hostIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    startTime: pod.status?.startTime ?? now,
    conditions: [
      condition(pod, 'PodReadyToStartContainers', !terminal, now),
      condition(pod, 'Initialized', true, now),
      condition(pod, 'Ready', ready, now, ready ? undefined : terminal ? 'PodCompleted' : 'ContainersNotReady'),
      condition(
        pod,
        'ContainersReady',
        ready,
        now,
        ready ? undefined : terminal ? 'PodCompleted' : 'ContainersNotReady',
      ),
      condition(pod, 'PodScheduled', true, now),
    ],
    containerStatuses: [containerStatus(run)],
  }
  if (podIP) {
    status.podIP = podIP
    status.podIPs = [{ ip: podIP }]
  }
  return status
}

function containerStatus(run: ContainerRun): V1ContainerStatus {
  const status: V1ContainerStatus = {
    name: run.name,
    image: run.image,
    imageID: `local://${run.image}`,
    ready: run.ready,
    started: run.state.running !== undefined,
    restartCount: run.restartCount,
    state: run.state,
    lastState: run.lastState,
  }
  if (run.pid !== undefined) status.containerID = `${LOCAL}${run.pid}`
  return status
}

/** A container id of this node: its process, as there is no container runtime. */
const LOCAL = 'local://'

/** The pid of a pod's process, read back from the container id this agent reports. */
export function pidOf(pod: V1Pod): number | undefined {
  const id = pod.status?.containerStatuses?.[0]?.containerID
  return id?.startsWith(LOCAL) ? Number(id.slice(LOCAL.length)) : undefined
}

/** Keeps lastTransitionTime when the status did not change, as the kubelet does. */
function condition(pod: V1Pod, type: string, isTrue: boolean, now: Date, reason?: string): V1PodCondition {
  const status = isTrue ? 'True' : 'False'
  const previous = pod.status?.conditions?.find((c) => c.type === type)
  const c: V1PodCondition = {
    type,
    status,
    lastProbeTime: null as unknown as Date,
    lastTransitionTime: previous?.status === status ? previous.lastTransitionTime! : now,
  }
  if (reason) c.reason = reason
  return c
}

export function runningState(startedAt: Date): V1ContainerState {
  return { running: { startedAt } }
}

export function waitingState(reason: string, message?: string): V1ContainerState {
  return { waiting: message ? { reason, message } : { reason } }
}

/** Exit code 128+n for a signal, as a container runtime reports it. */
export function terminatedState(
  exitCode: number | null,
  signal: NodeJS.Signals | null,
  startedAt: Date | undefined,
  finishedAt: Date,
  reason?: string,
): V1ContainerState {
  const code = exitCode ?? 128 + signalNumber(signal)
  const terminated: NonNullable<V1ContainerState['terminated']> = {
    exitCode: code,
    reason: reason ?? (code === 0 ? 'Completed' : code === 137 ? 'OOMKilled' : 'Error'),
    finishedAt,
  }
  // A SIGKILL here is our own kill or an external one, never the OOM killer: say "Error".
  if (code === 137 && !reason) terminated.reason = 'Error'
  if (startedAt) terminated.startedAt = startedAt
  if (signal) terminated.signal = signalNumber(signal)
  return { terminated }
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGTERM: 15,
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (SIGNALS[signal] ?? 0) : 0
}
