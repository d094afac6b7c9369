/**
 * The node's Kubernetes processes: the kubelet (pods as containers through containerd), the
 * scheduler (binds pods to the node) and kube-proxy (Service addresses, which the operator pod
 * needs to find the API server in-cluster). Built from the same Kubernetes module and version as
 * the control plane (stack/install/kube-node.sh). The kubelet settings each answer a failure met
 * on these machines (cgroup v1, no swap accounting, no dummy links; docs/real-node.md).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { kubeconfigYaml } from '../certs.ts'
import type { ControlPlane } from '../control-plane.ts'
import type { Launch, ManagedProcess } from '../managed-process.ts'
import { freePort } from '../ports.ts'
import { NODE_NETWORK } from './network.ts'
import { NODE_PATHS } from './paths.ts'

export function kubeletConfig(ports: { kubelet: number; healthz: number }, clientCAFile: string): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // These machines run cgroup v1, which 1.36 refuses unless told otherwise; no systemd either.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    failSwapOn: false,
    // kube-proxy owns the iptables chains; the kubelet adding its own is not needed here.
    makeIPTablesUtilChains: false,
    containerRuntimeEndpoint: `unix://${NODE_PATHS.containerdSocket}`,
    address: NODE_NETWORK.hostIP,
    port: ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: ports.healthz,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile } },
    authorization: { mode: 'AlwaysAllow' },
    // Pods never query an outside nameserver: their resolv.conf names none (paths.ts).
    resolvConf: NODE_PATHS.resolvConf,
    podLogsDir: NODE_PATHS.podLogs,
    // A test machine's disk is often fuller than production thresholds; images are imported, never pulled.
    evictionHard: { 'nodefs.available': '1%', 'imagefs.available': '1%', 'memory.available': '50Mi' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    serializeImagePulls: false,
    nodeStatusUpdateFrequency: '2s',
    nodeStatusReportFrequency: '10s',
    syncFrequency: '10s',
    fileCheckFrequency: '5s',
    shutdownGracePeriod: '0s',
    maxPods: 110,
  })
}

export interface NodeProcesses {
  kubelet: ManagedProcess
  scheduler: ManagedProcess
  proxy: ManagedProcess
}

export async function startNodeProcesses(
  plane: ControlPlane,
  nodeName: string,
  binDir: string,
  launch: Launch,
): Promise<NodeProcesses> {
  const [kubeletPort, healthz, schedulerPort, proxyHealthz, proxyMetrics] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ])
  await Promise.all([
    mkdir(NODE_PATHS.kubeletRoot, { recursive: true }),
    mkdir(NODE_PATHS.podLogs, { recursive: true }),
  ])
  await writeFile(
    NODE_PATHS.resolvConf,
    '# no nameserver: nothing leaves the machine (docs/real-node.md)\noptions ndots:0\n',
  )
  await writeFile(NODE_PATHS.kubeletConfig, kubeletConfig({ kubelet: kubeletPort, healthz }, plane.certs.caCert))
  await writeFile(
    NODE_PATHS.kubeletKubeconfig,
    await kubeconfigYaml(plane.server, plane.certs.caCert, { cert: plane.certs.node }),
    { mode: 0o600 },
  )
  const kubelet = launch('kubelet', join(binDir, 'kubelet'), [
    `--config=${NODE_PATHS.kubeletConfig}`,
    `--kubeconfig=${NODE_PATHS.kubeletKubeconfig}`,
    `--root-dir=${NODE_PATHS.kubeletRoot}`,
    `--cert-dir=${join(NODE_PATHS.state, 'kubelet-pki')}`,
    `--hostname-override=${nodeName}`,
    // The loopback address is refused as a node IP; the bridge's is the node's only address.
    `--node-ip=${NODE_NETWORK.hostIP}`,
    '--v=1',
  ])
  const scheduler = launch('kube-scheduler', join(binDir, 'kube-scheduler'), [
    `--kubeconfig=${plane.kubeconfig}`,
    `--authentication-kubeconfig=${plane.kubeconfig}`,
    `--authorization-kubeconfig=${plane.kubeconfig}`,
    '--leader-elect=false',
    `--secure-port=${schedulerPort}`,
    '--bind-address=127.0.0.1',
    '--v=1',
  ])
  const proxy = launch('kube-proxy', join(binDir, 'kube-proxy'), [
    `--kubeconfig=${plane.kubeconfig}`,
    `--hostname-override=${nodeName}`,
    '--proxy-mode=iptables',
    `--cluster-cidr=${NODE_NETWORK.subnet}`,
    `--healthz-bind-address=127.0.0.1:${proxyHealthz}`,
    `--metrics-bind-address=127.0.0.1:${proxyMetrics}`,
    // The VM does not let kube-proxy raise conntrack limits; it needs none of that here.
    '--conntrack-max-per-core=0',
    '--v=1',
  ])
  return { kubelet, scheduler, proxy }
}
