/**
 * A real Kubernetes node on this machine: containerd + runc + the CNI bridge (Debian packages),
 * the kubelet, kube-scheduler and kube-proxy (built like the control plane), the exactly image
 * and a pause image built here and imported, so pods run as containers and nothing is pulled.
 *
 *   claimNode ──▶ (control plane and servers start on the bridge address) ──▶ startRealNode
 *   releaseNode: processes stopped by the stack ──▶ cleanUpNode
 */
import { existsSync, readFileSync } from 'node:fs'
import { cp, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { componentDir } from '../components.ts'
import type { ControlPlane } from '../control-plane.ts'
import { adminClient } from '../control-plane.ts'
import { buildImage, pauseImage } from '../image.ts'
import type { Launch, ManagedProcess } from '../managed-process.ts'
import { cleanUpNode } from './cleanup.ts'
import { importImage, startContainerd, tagImage } from './containerd.ts'
import { startNodeProcesses } from './kubelet.ts'
import { ensureBridge, keepInside } from './network.ts'
import { NODE_PATHS } from './paths.ts'

export const REAL_NODE_NAME = 'exactly-node-1'
const LOCAL_IMAGE_ALIAS = 'docker.io/library/exactly:dev'

export interface RealNode {
  nodeName: string
  /** The exactly image as pods name it (imported into containerd, never pulled). */
  image: string
}

/** The stack directory whose stack runs the real node, if one claimed it and has not released it. */
export function nodeOwner(): string | undefined {
  return existsSync(NODE_PATHS.owner) ? readFileSync(NODE_PATHS.owner, 'utf8').trim() : undefined
}

/**
 * Takes the machine's one real node for the stack in `stackDir`: sweeps up what an earlier run
 * left, creates the bridge (the servers bind its address) and records the owner. The caller has
 * checked that no live stack owns it.
 */
export async function claimNode(stackDir: string): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error('Cannot start the real node: containerd, runc and the kubelet need root (run as root)')
  }
  const kubeNodeBin = await componentDir('kube-node')
  await cleanUpNode(join(kubeNodeBin, 'kube-proxy'))
  await ensureBridge()
  await mkdir(NODE_PATHS.state, { recursive: true })
  await writeFile(NODE_PATHS.owner, `${stackDir}\n`)
}

/**
 * Starts containerd and the node's Kubernetes processes; resolves when the node is Ready. Like a
 * node's service manager (systemd's Restart=always), it starts containerd, the kubelet and
 * kube-proxy again when one dies, until `stopping()` says the stack is going down.
 */
export async function startRealNode(
  plane: ControlPlane,
  plainLaunch: Launch,
  stopping: () => boolean,
): Promise<RealNode> {
  const launch = supervised(plainLaunch, stopping)
  const [binDir, image, pause] = await Promise.all([componentDir('kube-node'), buildImage(), pauseImage()])
  await startContainerd(launch, pause.ref)
  await Promise.all([importImage(pause.ref, pause.archive), importImage(image.ref, image.archive)])
  // Manifests in tests, the demo and the docs say `exactly:dev`: on this node that is the image
  // built from this tree (the CRI reads the short name as docker.io/library/exactly:dev).
  await tagImage(image.ref, LOCAL_IMAGE_ALIAS)
  const node = await startNodeProcesses(plane, REAL_NODE_NAME, binDir, launch)
  const api = await adminClient(plane.server, plane.certs)
  await node.kubelet.waitUntil(
    'registered as a Ready node',
    async () => {
      const res = await api.get(`/api/v1/nodes/${REAL_NODE_NAME}`)
      if (res.status !== 200) return false
      const status = JSON.parse(res.body) as { status?: { conditions?: { type: string; status: string }[] } }
      return status.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
    },
    90_000,
  )
  await keepInside()
  return { nodeName: REAL_NODE_NAME, image: image.ref }
}

const SUPERVISED: ReadonlySet<string> = new Set(['containerd', 'kubelet', 'kube-proxy'])
const RESTART_DELAY_MS = 500

/** A Launch that starts a supervised process again, with the same command, when it exits. */
function supervised(launch: Launch, stopping: () => boolean): Launch {
  return (name, command, args, env) => {
    const start = (): ManagedProcess => {
      const proc = launch(name, command, args, env)
      if (SUPERVISED.has(name)) {
        proc.exited.then(() => {
          if (!stopping()) setTimeout(() => stopping() || start(), RESTART_DELAY_MS)
        })
      }
      return proc
    }
    return start()
  }
}

/** After the stack stopped the node's processes: removes what they left, if this stack owns the node. */
export async function releaseNode(stackDir: string): Promise<void> {
  if (nodeOwner() !== stackDir) return
  // The pods' logs outlive the node, in the stack's directory (`pods/<ns>_<pod>_<uid>/<container>/`).
  if (existsSync(NODE_PATHS.podLogs)) await cp(NODE_PATHS.podLogs, join(stackDir, 'pods'), { recursive: true })
  await cleanUpNode(join(await componentDir('kube-node'), 'kube-proxy'))
}
