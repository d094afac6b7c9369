/**
 * The whole local stack: Kafka, the S3 server, the Kubernetes control plane and a real node
 * (kubelet, containerd; stack/real-node/), each a real process. `startStack` brings up the parts asked for, in parallel where
 * they are independent, records how to reach them in `<dir>/stack.json`, and returns a handle
 * whose `stop()` leaves no process behind. Pid files let `stopStackDir` (make down, or the next
 * run sweeping up after a killed one) stop a stack whose owner has died.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startControlPlane } from './control-plane.ts'
import { type KafkaBroker, restartKafka, startKafka } from './kafka.ts'
import type { KafkaSecurityInfo } from './kafka-security.ts'
import { ManagedProcess } from './managed-process.ts'
import { isAlive, signalGroup } from './process-group.ts'
import { NODE_NETWORK } from './real-node/network.ts'
import { claimNode, nodeOwner, REAL_NODE_NAME, releaseNode, startRealNode } from './real-node/real-node.ts'
import { type S3Server, startS3 } from './s3-server.ts'

export interface StackInfo {
  dir: string
  ownerPid: number
  /** A `make up` stack outlives the process that started it; a test stack does not. */
  persistent: boolean
  /** `bootstrap` is the PLAINTEXT listener; `security` the secured ones (stack/kafka-security.ts). */
  kafka?: { bootstrap: string; security: KafkaSecurityInfo }
  s3?: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; bucket: string }
  kube?: {
    server: string
    kubeconfig: string
    nodeName: string
    /** The exactly image built from this tree, as imported (pods may also say `exactly:dev`). */
    image: string
  }
  /** The address the stack's servers listen on: the real node's bridge address, or loopback. */
  host: string
}

export interface StackOptions {
  dir: string
  kafka?: boolean
  s3?: boolean
  kube?: boolean
  /** Without kube: the address to listen on, e.g. another stack's `host` so its pods reach this one. */
  host?: string
  persistent?: boolean
  /** Called with one line of progress at each step. */
  progress?: (line: string) => void
}

export interface Stack {
  info: StackInfo
  restartKafka(): Promise<void>
  stop(): Promise<void>
}

const live = new Set<ManagedProcess>()

function launcher(dir: string) {
  mkdirSync(join(dir, 'logs'), { recursive: true })
  mkdirSync(join(dir, 'pids'), { recursive: true })
  return (name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): ManagedProcess => {
    const proc = new ManagedProcess({
      name,
      command,
      args,
      env: env ?? process.env,
      logFile: join(dir, 'logs', `${name}.log`),
      pidFile: join(dir, 'pids', `${name}.pid`),
    })
    live.add(proc)
    proc.exited.then(() => {
      live.delete(proc)
      rmSync(join(dir, 'pids', `${name}.pid`), { force: true })
    })
    return proc
  }
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { dir } = options
  const say = options.progress ?? (() => {})
  mkdirSync(dir, { recursive: true })
  const launch = launcher(dir)
  // With Kubernetes, every server listens on the real node's bridge, where pods reach them.
  const host = options.kube ? NODE_NETWORK.hostIP : (options.host ?? '127.0.0.1')
  const info: StackInfo = { dir, ownerPid: process.pid, persistent: options.persistent ?? false, host }
  const writeInfo = () => writeFileSync(join(dir, 'stack.json'), `${JSON.stringify(info, null, 2)}\n`)
  writeInfo()

  let kafka: KafkaBroker | undefined
  let s3: S3Server | undefined
  const started = Date.now()
  /** Set when the stack stops: the node's supervised processes are not started again then. */
  let stopping = false
  if (options.kube) {
    const owner = nodeOwner()
    if (owner && owner !== dir && stackIsUp(owner)) {
      throw new Error(
        `Cannot start a real node: the stack in ${owner} runs this machine's one real node; stop it first (make down, or let its tests end)`,
      )
    }
    if (owner && owner !== dir) await stopStackDir(owner)
    say('preparing the real node (sweeping up earlier runs, creating the bridge)…')
    await claimNode(dir)
  }
  // allSettled, not all: when one part fails, the others must finish starting before
  // the tear-down, or they would come up after it and be left running.
  const results = await Promise.allSettled([
    options.kafka &&
      (async () => {
        say('starting Kafka (KRaft, one node)…')
        kafka = await startKafka(join(dir, 'kafka'), launch, host)
        info.kafka = { bootstrap: kafka.bootstrap, security: kafka.security }
        say(`Kafka ready at ${kafka.bootstrap} (${seconds(started)})`)
      })(),
    options.s3 &&
      (async () => {
        say('starting the S3 server (SeaweedFS)…')
        s3 = await startS3(join(dir, 's3'), launch, host)
        info.s3 = s3.info
        say(`S3 ready at ${s3.info.endpoint} (${seconds(started)})`)
      })(),
    options.kube &&
      (async () => {
        say('starting etcd, kube-apiserver and kube-controller-manager…')
        const plane = await startControlPlane(join(dir, 'kube'), launch, { host, nodeName: REAL_NODE_NAME })
        say(`Kubernetes API ready at ${plane.server} (${seconds(started)}); starting the real node…`)
        const node = await startRealNode(plane, launch, () => stopping)
        info.kube = { server: plane.server, kubeconfig: plane.kubeconfig, nodeName: node.nodeName, image: node.image }
        say(`node ${node.nodeName} (kubelet, containerd) is Ready (${seconds(started)})`)
      })(),
  ])
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason)
  if (failures.length > 0) {
    await stopAll()
    throw failures.length === 1 ? failures[0] : new AggregateError(failures, failures.map(String).join('\n'))
  }
  writeInfo()

  return {
    info,
    async restartKafka() {
      if (!kafka) throw new Error('Cannot restart Kafka: this stack was started without it')
      kafka = await restartKafka(join(dir, 'kafka'), kafka, launch)
    },
    stop: stopAll,
  }

  async function stopAll(): Promise<void> {
    stopping = true
    // The kubelet first, so no pod is restarted while the rest stops; then everything at once.
    await [...live].find((p) => p.name === 'kubelet')?.stop(15_000)
    const rest = [...live]
    await Promise.all(rest.map((p) => p.stop(p.name === 'etcd' ? 5000 : 15_000)))
    // The real node's containers, mounts, cgroups and bridge outlive its processes.
    if (options.kube) await releaseNode(dir)
    rmSync(join(dir, 'stack.json'), { force: true })
  }
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`
}

/** Stops every process of the stack in `dir` by its pid file, whoever started it. */
export async function stopStackDir(dir: string): Promise<number> {
  const pidDir = join(dir, 'pids')
  if (!existsSync(pidDir)) return 0
  const pids = readdirSync(pidDir).map((f) => Number(readFileSync(join(pidDir, f), 'utf8').trim()))
  for (const pid of pids) signalGroup(pid, 'SIGTERM')
  for (let i = 0; i < 60 && pids.some(isAlive); i++) await sleep(250)
  for (const pid of pids) signalGroup(pid, 'SIGKILL')
  await releaseNode(dir)
  rmSync(pidDir, { recursive: true, force: true })
  rmSync(join(dir, 'stack.json'), { force: true })
  return pids.length
}

/** What the stack in `dir` recorded of itself (`stack.json`), if a stack runs or ran there unstopped. */
export function readStackInfo(dir: string): StackInfo | undefined {
  const file = join(dir, 'stack.json')
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StackInfo) : undefined
}

/** Whether a stack is up in `dir`: its owner runs, or processes it started are still recorded. */
export function stackIsUp(dir: string): boolean {
  const info = readStackInfo(dir)
  const pids = join(dir, 'pids')
  return info !== undefined && (isAlive(info.ownerPid) || (existsSync(pids) && readdirSync(pids).length > 0))
}

/**
 * Stops test stacks under `root` whose owner process is gone (a run killed with SIGKILL cannot
 * clean up after itself). Persistent `make up` stacks are left alone.
 */
export async function sweepOrphanStacks(root: string, keepFinished = 5): Promise<void> {
  if (!existsSync(root)) return
  const finished: string[] = []
  for (const name of readdirSync(root)) {
    const dir = join(root, name)
    // A finished run leaves its logs and data behind (no stack.json): nothing to stop.
    const info = readStackInfo(dir)
    if (!info) {
      finished.push(name)
      continue
    }
    if (info.persistent || isAlive(info.ownerPid)) continue
    await stopStackDir(dir)
    rmSync(dir, { recursive: true, force: true })
  }
  // Keep the newest few for their logs (names start with the start time in ms); each holds about
  // 200 MB of broker, etcd and S3 data, and CI runs here at every stop.
  const byAge = finished.sort((a, b) => Number.parseInt(b, 10) - Number.parseInt(a, 10) || b.localeCompare(a))
  for (const name of byAge.slice(keepFinished)) rmSync(join(root, name), { recursive: true, force: true })
}

/** Last-resort cleanup when the owning process is interrupted: kill every group synchronously. */
export function killAllNow(): void {
  for (const p of live) signalGroup(p.pid, 'SIGKILL')
}
