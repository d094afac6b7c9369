/**
 * Where the real node keeps its state. One real node runs on a machine at a time (its bridge,
 * cgroups and a few runtime paths that containerd and the kubelet do not let us move are
 * machine-wide), so its state lives in fixed directories, not in a stack's own directory: the
 * next start, or `make down`, finds and removes what a crashed run left there.
 */
import { join } from 'node:path'

const STATE = '/var/lib/exactly-node'
const RUN = '/run/exactly-node'

export const NODE_PATHS = {
  state: STATE,
  run: RUN,
  containerdRoot: join(STATE, 'containerd'),
  containerdState: join(RUN, 'containerd'),
  containerdSocket: join(RUN, 'containerd', 'containerd.sock'),
  containerdConfig: join(STATE, 'containerd.toml'),
  cniConfDir: join(STATE, 'cni'),
  kubeletRoot: join(STATE, 'kubelet'),
  kubeletConfig: join(STATE, 'kubelet-config.yaml'),
  kubeletKubeconfig: join(STATE, 'kubelet.kubeconfig'),
  podLogs: join(STATE, 'pod-logs'),
  resolvConf: join(STATE, 'resolv.conf'),
  /** Paths containerd, the CNI plugins and the kubelet use whatever they are told. */
  fixed: ['/run/containerd', '/var/lib/cni/networks/exactly', '/var/lib/cni/results', '/var/lib/kubelet'],
  /** The pid file of the stack that runs the node now (its directory), so a second one refuses to start. */
  owner: join(STATE, 'owner'),
} as const

/** The cgroup directories the kubelet and containerd make under each v1 controller (or the v2 root). */
export const NODE_CGROUPS = ['kubepods', 'kubepods.slice', 'k8s.io', 'default'] as const
