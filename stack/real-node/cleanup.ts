/**
 * Removes everything a real node leaves on the machine: container processes, containerd's shims,
 * mounts, network namespaces, kube-proxy's iptables rules, cgroups, state directories and the
 * bridge. Run before every start (a crashed run leaves all of these behind) and by `make down`.
 * The order matters: processes first (they hold mounts and cgroups), then mounts, then files.
 */
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { runCommand } from '../run-command.ts'
import { deleteBridge } from './network.ts'
import { NODE_CGROUPS, NODE_PATHS } from './paths.ts'

const CGROUP_ROOT = '/sys/fs/cgroup'

/** Every cgroup directory of the node, deepest first, under each v1 controller (or the v2 root). */
function nodeCgroupDirs(): string[] {
  const roots = existsSync(join(CGROUP_ROOT, 'cgroup.controllers'))
    ? [CGROUP_ROOT]
    : readdirSync(CGROUP_ROOT).map((c) => join(CGROUP_ROOT, c))
  const found: string[] = []
  const walk = (dir: string) => {
    let entries: string[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
    } catch {
      return
    }
    for (const e of entries) walk(join(dir, e))
    found.push(dir)
  }
  for (const root of roots) for (const name of NODE_CGROUPS) if (existsSync(join(root, name))) walk(join(root, name))
  return found
}

function pidsIn(dirs: string[]): number[] {
  const pids = new Set<number>()
  for (const dir of dirs) {
    try {
      for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (line) pids.add(Number(line))
    } catch {}
  }
  return [...pids]
}

/** containerd's shims serving our socket: they leave containerd's process group on purpose. */
function shimPids(): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (cmdline.includes('containerd-shim') && cmdline.includes(NODE_PATHS.containerdSocket)) pids.push(Number(entry))
    } catch {}
  }
  return pids
}

function kill(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
}

/** Mount points under the node's directories, deepest first. */
function nodeMounts(): string[] {
  const prefixes = [NODE_PATHS.state, NODE_PATHS.run, ...NODE_PATHS.fixed, '/run/netns/cni-', '/var/run/netns/cni-']
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => prefixes.some((p) => point === p || point.startsWith(p.endsWith('-') ? p : `${p}/`)))
    .sort((a, b) => b.length - a.length)
}

/** Cleans the machine of any real node; `kubeProxy` is the kube-proxy binary (its --cleanup removes its rules). */
export async function cleanUpNode(kubeProxy?: string): Promise<void> {
  kill(shimPids())
  // Containers whose shim is gone keep running in their cgroups until killed there.
  for (let round = 0; round < 20; round++) {
    const pids = pidsIn(nodeCgroupDirs())
    if (pids.length === 0) break
    kill(pids)
    await sleep(100)
  }
  for (const point of nodeMounts()) {
    if ((await runCommand('umount', [point])).code !== 0) await runCommand('umount', ['-l', point])
  }
  for (const dir of ['/run/netns', '/var/run/netns']) {
    if (!existsSync(dir)) continue
    for (const ns of readdirSync(dir).filter((n) => n.startsWith('cni-')))
      await runCommand('ip', ['netns', 'delete', ns])
  }
  if (kubeProxy && existsSync(kubeProxy)) await runCommand(kubeProxy, ['--cleanup'], { timeoutMs: 30_000 })
  for (const dir of [NODE_PATHS.state, NODE_PATHS.run, ...NODE_PATHS.fixed])
    rmSync(dir, { recursive: true, force: true })
  await deleteBridge()
  // A cgroup directory goes with rmdir once its processes are gone (its files cannot be unlinked).
  for (const dir of nodeCgroupDirs()) {
    try {
      rmdirSync(dir)
    } catch {}
  }
}
