/**
 * Runs one pod's first container as a local process and reports its life to the API server:
 * Pending (ContainerCreating, or CreateContainerConfigError while a secret is missing) →
 * Running (Ready once its readiness probe passes) → Succeeded/Failed with the exit code, or a
 * restart with restartCount + 1 when restartPolicy asks for it. Deletion: SIGTERM to the
 * process group, SIGKILL after the grace period, then the final delete, as the kubelet does.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { V1ContainerState, V1Pod } from '@kubernetes/client-node'
import { kubeconfigText } from '../certs.ts'
import { signalGroup } from '../process-group.ts'
import { type AgentKubeApi, isStatus } from './kube-api.ts'
import { type CommandMapping, localCommand } from './pod-command.ts'
import { baseEnv, PodConfigError, resolveEnv } from './pod-env.ts'
import { podDir } from './pod-logs.ts'
import { type ContainerRun, podStatus, runningState, terminatedState, waitingState } from './pod-status.ts'
import { probeOnce } from './probe.ts'

export interface PodRunnerDeps {
  api: AgentKubeApi
  nodeName: string
  podIP: string
  mapping: CommandMapping
  /** Where pod logs and kubeconfigs go. */
  podsDir: string
  /** Where pod process pid files go, so a stack tear-down can find them. */
  pidDir: string
  apiServer: string
  caCertPem: string
  log: (msg: string, fields?: Record<string, unknown>) => void
}

type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed'

export class PodRunner {
  #pod: V1Pod
  readonly #deps: PodRunnerDeps
  readonly #uid: string
  readonly #dir: string
  #phase: Phase = 'Pending'
  #child: ChildProcess | undefined
  #childExited: Promise<void> = Promise.resolve()
  #run: ContainerRun
  #stopping = false
  #statusChain: Promise<void> = Promise.resolve()

  constructor(pod: V1Pod, deps: PodRunnerDeps) {
    this.#pod = pod
    this.#deps = deps
    this.#uid = pod.metadata!.uid!
    this.#dir = podDir(deps.podsDir, pod.metadata!.namespace!, pod.metadata!.name!, this.#uid)
    const container = pod.spec!.containers[0]!
    this.#run = {
      name: container.name,
      image: container.image ?? '',
      pid: undefined,
      startedAt: undefined,
      ready: false,
      restartCount: 0,
      state: waitingState('ContainerCreating'),
      lastState: {},
    }
  }

  get finished(): boolean {
    return this.#phase === 'Succeeded' || this.#phase === 'Failed'
  }

  get logFile(): string {
    return join(this.#dir, `${this.#run.name}.log`)
  }

  update(pod: V1Pod): void {
    this.#pod = pod
  }

  /** Starts the container; returns once the first process is running or the pod has failed. */
  async start(): Promise<void> {
    mkdirSync(this.#dir, { recursive: true })
    this.#report()
    while (!this.#stopping) {
      try {
        await this.#spawn()
        return
      } catch (error) {
        if (error instanceof PodConfigError) {
          this.#run.state = waitingState('CreateContainerConfigError', error.message)
          this.#report()
          await sleep(2000)
          continue
        }
        if (error instanceof TypeError) {
          this.#finish(terminatedState(128, null, undefined, new Date(), 'StartError'), error.message)
          return
        }
        this.#deps.log('cannot start container, retrying', { pod: this.#key, error: String(error) })
        await sleep(2000)
      }
    }
  }

  async #spawn(): Promise<void> {
    const pod = this.#pod
    const container = pod.spec!.containers[0]!
    const runtime = { podIP: this.#deps.podIP, hostIP: '127.0.0.1', nodeName: this.#deps.nodeName }
    const api = this.#deps.api
    const env = await resolveEnv(pod, container, runtime, {
      secret: (ns, name) => api.secretData(ns, name),
      configMap: (ns, name) => api.configMapData(ns, name),
    })
    const base = baseEnv(pod, this.#dir, this.#deps.mapping.programs.node ?? '/usr/bin/node', this.#deps.apiServer)
    if (await api.automountsToken(pod)) {
      // A real pod reads its token from a mounted file; here the process gets a kubeconfig
      // holding a token minted for its service account, so RBAC applies to it for real.
      const namespace = pod.metadata!.namespace!
      const token = await api.serviceAccountToken(namespace, pod.spec?.serviceAccountName ?? 'default', pod)
      const kubeconfig = join(this.#dir, 'kubeconfig')
      const { apiServer, caCertPem } = this.#deps
      writeFileSync(kubeconfig, kubeconfigText(apiServer, caCertPem, { token }, 'pod', namespace), { mode: 0o600 })
      base.KUBECONFIG = kubeconfig
    }
    const fullEnv = { ...base, ...env }
    const { command, args, cwd } = localCommand(container, this.#deps.mapping, fullEnv)
    const out = openSync(this.logFile, 'a')
    const child = spawn(command, args, {
      cwd: cwd ?? this.#dir,
      env: fullEnv,
      stdio: ['ignore', out, out],
      detached: true,
    })
    closeSync(out)
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', (e) => reject(new TypeError(`Cannot run ${command}: ${e.message}`)))
    })
    this.#child = child
    const startedAt = new Date()
    this.#run.pid = child.pid
    this.#run.startedAt = startedAt
    this.#run.state = runningState(startedAt)
    this.#run.ready = !container.readinessProbe
    this.#phase = 'Running'
    writeFileSync(this.#pidFile, `${child.pid}\n`)
    this.#deps.log('container started', { pod: this.#key, pid: child.pid, command, args })
    this.#childExited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        rmSync(this.#pidFile, { force: true })
        this.#onExit(child, code, signal, startedAt)
        resolve()
      })
    })
    this.#report()
    void this.#probeLoop(child)
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, startedAt: Date): void {
    if (this.#child !== child) return
    this.#child = undefined
    this.#run.pid = undefined
    this.#run.ready = false
    const state = terminatedState(code, signal, startedAt, new Date())
    this.#deps.log('container exited', { pod: this.#key, exitCode: state.terminated?.exitCode, signal })
    const policy = this.#pod.spec?.restartPolicy ?? 'Always'
    const failed = state.terminated!.exitCode !== 0
    if (this.#stopping || policy === 'Never' || (policy === 'OnFailure' && !failed)) {
      this.#finish(state)
      return
    }
    this.#run.lastState = state
    this.#run.restartCount += 1
    const backoffMs = Math.min(30_000, 1000 * 2 ** Math.min(5, this.#run.restartCount - 1))
    this.#run.state = waitingState('CrashLoopBackOff', `back-off ${backoffMs / 1000}s restarting failed container`)
    this.#report()
    void sleep(backoffMs).then(() => (this.#stopping ? undefined : this.start()))
  }

  #finish(state: V1ContainerState, message?: string): void {
    const code = state.terminated?.exitCode ?? 1
    // With several restarts the pod's phase follows the last exit, as for restartPolicy OnFailure.
    this.#phase = code === 0 ? 'Succeeded' : 'Failed'
    if (message && state.terminated) state.terminated.message = message
    this.#run.state = state
    this.#report()
  }

  async #probeLoop(child: ChildProcess): Promise<void> {
    const container = this.#pod.spec!.containers[0]!
    const ports = Object.fromEntries(
      (container.ports ?? []).filter((p) => p.name).map((p) => [p.name!, p.containerPort]),
    )
    const readiness = container.readinessProbe
    const liveness = container.livenessProbe
    if (!readiness && !liveness) return
    const started = Date.now()
    let readyStreak = 0
    let notReadyStreak = 0
    let liveFailures = 0
    // Each probe on its own schedule, as the kubelet runs them: a liveness probe counts failures
    // at its own period (default 10 s × 3), so a slow start is not a dead container. Readiness
    // alone is polled every second until it first passes, to keep tests quick.
    const readinessPeriod = (readiness?.periodSeconds ?? 10) * 1000
    const livenessPeriod = (liveness?.periodSeconds ?? 10) * 1000
    let nextReadiness = started + (readiness?.initialDelaySeconds ?? 0) * 1000
    let nextLiveness = started + (liveness?.initialDelaySeconds ?? 0) * 1000
    while (this.#child === child && !this.#stopping) {
      if (readiness && Date.now() >= nextReadiness) {
        const ok = await probeOnce(readiness, this.#deps.podIP, ports)
        readyStreak = ok ? readyStreak + 1 : 0
        notReadyStreak = ok ? 0 : notReadyStreak + 1
        const ready = this.#run.ready
        if (!ready && readyStreak >= (readiness.successThreshold ?? 1)) this.#setReady(child, true)
        if (ready && notReadyStreak >= (readiness.failureThreshold ?? 3)) this.#setReady(child, false)
        nextReadiness = Date.now() + (this.#run.ready ? readinessPeriod : Math.min(readinessPeriod, 1000))
      }
      if (liveness && Date.now() >= nextLiveness) {
        liveFailures = (await probeOnce(liveness, this.#deps.podIP, ports)) ? 0 : liveFailures + 1
        if (liveFailures >= (liveness.failureThreshold ?? 3)) {
          this.#deps.log('liveness probe failed, killing container', { pod: this.#key })
          await this.#killChild(this.#pod.spec?.terminationGracePeriodSeconds ?? 30)
          return
        }
        nextLiveness = Date.now() + livenessPeriod
      }
      const due = Math.min(
        readiness ? nextReadiness : Number.POSITIVE_INFINITY,
        liveness ? nextLiveness : Number.POSITIVE_INFINITY,
      )
      await sleep(Math.max(50, due - Date.now()))
    }
  }

  #setReady(child: ChildProcess, ready: boolean): void {
    if (this.#child !== child) return
    this.#run.ready = ready
    this.#report()
  }

  /** Graceful stop for a pod being deleted: SIGTERM, SIGKILL after the grace period, final delete. */
  async terminate(graceSeconds: number): Promise<void> {
    if (this.#stopping) return
    this.#stopping = true
    await this.#killChild(graceSeconds)
    await this.#statusChain
    await this.#deps.api.finalizePodDeletion(this.#pod)
    rmSync(this.#pidFile, { force: true })
  }

  /** Immediate stop: the pod object is already gone, or the agent is shutting down. */
  async kill(graceSeconds = 0): Promise<void> {
    this.#stopping = true
    await this.#killChild(graceSeconds)
  }

  async #killChild(graceSeconds: number): Promise<void> {
    const child = this.#child
    if (!child?.pid) return
    signalGroup(child.pid, 'SIGTERM')
    const timedOut = await Promise.race([
      this.#childExited.then(() => false),
      sleep(Math.max(0, graceSeconds) * 1000).then(() => true),
    ])
    if (timedOut) signalGroup(child.pid, 'SIGKILL')
    await this.#childExited
  }

  get #pidFile(): string {
    return join(this.#deps.pidDir, `pod-${this.#uid}.pid`)
  }

  get #key(): string {
    return `${this.#pod.metadata!.namespace}/${this.#pod.metadata!.name}`
  }

  /** Status writes are serialized so a slow write can never overwrite a newer one. */
  #report(): void {
    const status = podStatus(this.#pod, this.#phase, this.#deps.podIP, { ...this.#run }, new Date())
    this.#statusChain = this.#statusChain.then(async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          await this.#deps.api.patchPodStatus(this.#pod, status)
          this.#pod = { ...this.#pod, status }
          return
        } catch (error) {
          if (isStatus(error, 404)) return
          this.#deps.log('cannot update pod status, retrying', { pod: this.#key, error: String(error) })
          await sleep(500 * (attempt + 1))
        }
      }
    })
  }
}
