/**
 * containerd for the real node: its own configuration, socket and directories (paths.ts), the
 * CRI plugin with runc (cgroupfs) and the CNI bridge, and the images the stack built imported, so
 * nothing is ever pulled. The settings each answer a failure met on these machines
 * (docs/real-node.md).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import type { Launch, ManagedProcess } from '../managed-process.ts'
import { runChecked, runCommand } from '../run-command.ts'
import { cniConfig } from './network.ts'
import { NODE_PATHS } from './paths.ts'

/** A loopback port nothing listens on (discard, port 9): every registry request is refused locally. */
const NO_REGISTRY_PROXY = 'http://127.0.0.1:9'

export function containerdConfig(sandboxImage: string): string {
  const p = NODE_PATHS
  return `version = 2
root = "${p.containerdRoot}"
state = "${p.containerdState}"
# Plugins the node never uses; some need kernel features these machines lack.
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${p.containerdSocket}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${sandboxImage}"
  # The VM's bounding set lacks CAP_SYS_RESOURCE: a negative oom_score_adj is refused and runc
  # fails with "can't get final child's PID from pipe: EOF" without this.
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${p.cniConfDir}"
    max_conf_num = 1
`
}

export async function startContainerd(launch: Launch, sandboxImage: string): Promise<ManagedProcess> {
  await Promise.all([
    mkdir(NODE_PATHS.containerdRoot, { recursive: true }),
    mkdir(NODE_PATHS.containerdState, { recursive: true }),
    mkdir(NODE_PATHS.cniConfDir, { recursive: true }),
  ])
  await writeFile(NODE_PATHS.containerdConfig, containerdConfig(sandboxImage))
  await writeFile(`${NODE_PATHS.cniConfDir}/10-exactly.conflist`, cniConfig())
  const args = ['--config', NODE_PATHS.containerdConfig, '--log-level', 'warn']
  // Images are imported, never pulled. A pod naming an image the node lacks makes containerd try a
  // registry: through this proxy, which nothing serves, that fails at once on loopback, with no
  // DNS lookup of the registry's name and no connection leaving the machine.
  const proxy = { HTTP_PROXY: NO_REGISTRY_PROXY, HTTPS_PROXY: NO_REGISTRY_PROXY, NO_PROXY: '' }
  const containerd = launch('containerd', 'containerd', args, {
    ...process.env,
    ...proxy,
    http_proxy: proxy.HTTP_PROXY,
    https_proxy: proxy.HTTPS_PROXY,
    no_proxy: '',
  })
  await containerd.waitUntil('serving its socket', async () => (await ctr(['version'])).code === 0, 30_000)
  return containerd
}

const ctrBase = () => ['--address', NODE_PATHS.containerdSocket, '--namespace', 'k8s.io']

/** `ctr` on the node's containerd, in the namespace the kubelet's pods live in. */
export function ctr(args: readonly string[]) {
  return runCommand('ctr', [...ctrBase(), ...args], { timeoutMs: 5 * 60_000 })
}

/** Imports an OCI archive, unpacked for the CRI's snapshotter, unless containerd already holds `ref`. */
export async function importImage(ref: string, archive: string): Promise<void> {
  const listed = await ctr(['images', 'ls', '-q'])
  if (listed.stdout.split('\n').includes(ref)) return
  await runChecked('ctr', [...ctrBase(), 'images', 'import', '--snapshotter', 'overlayfs', archive], {
    timeoutMs: 5 * 60_000,
  })
}

/** Gives an image a second name (replacing whatever had it), e.g. the short name manifests use. */
export async function tagImage(ref: string, alias: string): Promise<void> {
  await runChecked('ctr', [...ctrBase(), 'images', 'tag', '--force', ref, alias], { timeoutMs: 60_000 })
}
