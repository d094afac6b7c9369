/**
 * The node agent: a small stand-in for the kubelet on a machine without containers.
 * It registers one Ready node and keeps its heartbeat Lease fresh, binds every unscheduled
 * pod to that node (there is no scheduler), runs each bound pod through a PodRunner, and
 * reacts to deletion. See docs/testing.md for what it does not do.
 */
import { readFileSync } from 'node:fs'
import { release } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { type KubeConfig, makeInformer, type V1Node, type V1Pod } from '@kubernetes/client-node'
import { LoopbackIpPool } from './ip-pool.ts'
import { AgentKubeApi } from './kube-api.ts'
import type { CommandMapping } from './pod-command.ts'
import { PodRunner } from './pod-runner.ts'

export interface NodeAgentOptions {
  kubeConfig: KubeConfig
  nodeName: string
  mapping: CommandMapping
  podsDir: string
  pidDir: string
  caCertFile: string
  log: (msg: string, fields?: Record<string, unknown>) => void
}

const LEASE_SECONDS = 40

export class NodeAgent {
  readonly #options: NodeAgentOptions
  readonly #api: AgentKubeApi
  readonly #runners = new Map<string, PodRunner>()
  readonly #ips = new LoopbackIpPool()
  readonly #binding = new Set<string>()
  #stopped = false
  #informer: ReturnType<typeof makeInformer<V1Pod>> | undefined

  constructor(options: NodeAgentOptions) {
    this.#options = options
    this.#api = new AgentKubeApi(options.kubeConfig)
  }

  async start(): Promise<void> {
    await this.#api.registerNode(this.#desiredNode())
    await this.#api.renewLease(this.#options.nodeName, LEASE_SECONDS, new Date())
    void this.#heartbeat()
    const informer = makeInformer<V1Pod>(this.#options.kubeConfig, '/api/v1/pods', () =>
      this.#api.core.listPodForAllNamespaces(),
    )
    informer.on('add', (pod) => this.#handlePod(pod))
    informer.on('update', (pod) => this.#handlePod(pod))
    informer.on('delete', (pod) => this.#handlePodGone(pod))
    informer.on('error', (error) => {
      // The informer stops on error; start it again, as controllers do.
      this.#options.log('pod watch failed, restarting it', { error: String(error) })
      if (!this.#stopped) setTimeout(() => void informer.start().catch(() => {}), 1000)
    })
    this.#informer = informer
    await informer.start()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    await this.#informer?.stop()
    await Promise.all([...this.#runners.values()].map((r) => r.kill(5)))
  }

  #desiredNode(): V1Node {
    const name = this.#options.nodeName
    const now = new Date()
    return {
      metadata: {
        name,
        labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
      },
      status: {
        addresses: [
          { type: 'InternalIP', address: '127.0.0.1' },
          { type: 'Hostname', address: name },
        ],
        capacity: { cpu: '2', memory: '24Gi', pods: '500' },
        allocatable: { cpu: '2', memory: '24Gi', pods: '500' },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'exactly node agent is posting ready status',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
        nodeInfo: {
          architecture: 'amd64',
          operatingSystem: 'linux',
          osImage: 'local processes (exactly node agent)',
          kernelVersion: release(),
          kubeletVersion: 'v1.36.3',
          kubeProxyVersion: '',
          containerRuntimeVersion: 'local://1',
          bootID: '',
          machineID: '',
          systemUUID: '',
        },
      },
    }
  }

  async #heartbeat(): Promise<void> {
    let ticks = 0
    while (!this.#stopped) {
      await sleep(10_000)
      if (this.#stopped) return
      try {
        await this.#api.renewLease(this.#options.nodeName, LEASE_SECONDS, new Date())
        // The Ready condition's heartbeat is refreshed less often, as the kubelet does.
        if (++ticks % 6 === 0) await this.#api.registerNode(this.#desiredNode())
      } catch (error) {
        this.#options.log('cannot renew node lease', { error: String(error) })
      }
    }
  }

  #handlePod(pod: V1Pod): void {
    if (this.#stopped) return
    const uid = pod.metadata?.uid
    if (!uid) return
    const nodeName = pod.spec?.nodeName
    if (!nodeName) {
      void this.#bind(pod)
      return
    }
    if (nodeName !== this.#options.nodeName) return
    const runner = this.#runners.get(uid)
    if (pod.metadata?.deletionTimestamp) {
      if (runner) {
        runner.update(pod)
        void runner.terminate(pod.metadata.deletionGracePeriodSeconds ?? 30).catch((error) => {
          this.#options.log('cannot finish pod deletion', { pod: pod.metadata?.name, error: String(error) })
        })
      } else {
        void this.#api.finalizePodDeletion(pod).catch(() => {})
      }
      return
    }
    if (runner) {
      runner.update(pod)
      return
    }
    const phase = pod.status?.phase
    if (phase === 'Succeeded' || phase === 'Failed') return
    if (phase === 'Running') {
      // Bound to us and Running, but we have no process: this agent restarted. Like a kubelet
      // that lost its containers, report the container as gone rather than start it again.
      void this.#reportLost(pod)
      return
    }
    this.#startPod(pod)
  }

  #startPod(pod: V1Pod): void {
    const uid = pod.metadata!.uid!
    const runner = new PodRunner(pod, {
      api: this.#api,
      nodeName: this.#options.nodeName,
      podIP: this.#ips.allocate(uid),
      mapping: this.#options.mapping,
      podsDir: this.#options.podsDir,
      pidDir: this.#options.pidDir,
      apiServer: this.#options.kubeConfig.getCurrentCluster()!.server,
      caCertPem: readFileSync(this.#options.caCertFile, 'utf8'),
      log: this.#options.log,
    })
    this.#runners.set(uid, runner)
    void runner.start().catch((error) => {
      this.#options.log('pod failed to start', { pod: pod.metadata?.name, error: String(error) })
    })
  }

  async #reportLost(pod: V1Pod): Promise<void> {
    const container = pod.spec!.containers[0]!
    const now = new Date()
    const terminated = {
      exitCode: 137,
      reason: 'ContainerStatusUnknown',
      message: 'The node agent restarted',
      finishedAt: now,
    }
    await this.#api
      .patchPodStatus(pod, {
        phase: 'Failed',
        containerStatuses: [
          {
            name: container.name,
            image: container.image ?? '',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated },
          },
        ],
      })
      .catch(() => {})
  }

  #handlePodGone(pod: V1Pod): void {
    const uid = pod.metadata?.uid
    if (!uid) return
    const runner = this.#runners.get(uid)
    this.#runners.delete(uid)
    this.#ips.release(uid)
    void runner?.kill(0)
  }

  async #bind(pod: V1Pod): Promise<void> {
    const uid = pod.metadata!.uid!
    if (this.#binding.has(uid) || pod.metadata?.deletionTimestamp) return
    const scheduler = pod.spec?.schedulerName
    if (scheduler && scheduler !== 'default-scheduler') return
    this.#binding.add(uid)
    try {
      await this.#api.bindPod(pod, this.#options.nodeName)
    } catch (error) {
      this.#options.log('cannot bind pod', { pod: pod.metadata?.name, error: String(error) })
    } finally {
      setTimeout(() => this.#binding.delete(uid), 5000)
    }
  }
}
