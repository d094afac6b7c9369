/**
 * The Kubernetes control plane: etcd → kube-apiserver → kube-controller-manager, started with
 * the flags controller-runtime's envtest uses, plus the controller-manager for garbage
 * collection, namespaces and service accounts. Real binaries built from the Go module proxy.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { request } from 'node:https'
import { join } from 'node:path'
import { type ControlPlaneCerts, createControlPlaneCerts, kubeconfigYaml } from './certs.ts'
import { componentDir } from './components.ts'
import type { Launch, ManagedProcess } from './managed-process.ts'
import { claimPort, freePort } from './ports.ts'

export interface ControlPlane {
  server: string
  kubeconfig: string
  certs: ControlPlaneCerts
  processes: ManagedProcess[]
}

export interface ControlPlaneOptions {
  /** The address the API server binds and advertises: loopback, or the real node's bridge address. */
  host: string
  /** The one node's name (its kubelet's certificate names it). */
  nodeName: string
}

export async function startControlPlane(
  dir: string,
  launch: Launch,
  options: ControlPlaneOptions,
): Promise<ControlPlane> {
  const { host, nodeName } = options
  const [etcdBin, kubeBin] = await Promise.all([componentDir('etcd'), componentDir('kube')])
  await mkdir(dir, { recursive: true })
  const certs = await createControlPlaneCerts(dir, host, nodeName)

  const [clientPort, peerPort, apiPort, kcmPort] = await Promise.all([
    freePort(),
    freePort(),
    apiServerPort(dir, host),
    freePort(),
  ])
  const etcdUrl = `http://127.0.0.1:${clientPort}`
  const peerUrl = `http://127.0.0.1:${peerPort}`
  const etcd = launch('etcd', join(etcdBin, 'etcd'), [
    '--name=exactly',
    `--data-dir=${join(dir, 'etcd-data')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=exactly=${peerUrl}`,
    // A test cluster that dies with the run does not need durable writes; fsync dominates on slow disks.
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ])
  await etcd.waitUntil('healthy', async () => (await httpGet(`${etcdUrl}/health`)).includes('"health":"true"'), 30_000)

  const server = `https://${host}:${apiPort}`
  const apiserver = launch('kube-apiserver', join(kubeBin, 'kube-apiserver'), [
    `--etcd-servers=${etcdUrl}`,
    `--secure-port=${apiPort}`,
    `--bind-address=${host}`,
    `--advertise-address=${host}`,
    `--cert-dir=${dir}`,
    `--tls-cert-file=${certs.serving.certFile}`,
    `--tls-private-key-file=${certs.serving.keyFile}`,
    `--client-ca-file=${certs.caCert}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    // logs and exec reach the kubelet at its InternalIP: resolving the node's name would ask the
    // machine's nameserver, the one lookup that left the machine in the trial (docs/real-node.md).
    '--kubelet-preferred-address-types=InternalIP',
    `--kubelet-client-certificate=${certs.admin.certFile}`,
    `--kubelet-client-key=${certs.admin.keyFile}`,
    `--service-account-issuer=${server}`,
    `--service-account-key-file=${certs.serviceAccountPub}`,
    `--service-account-signing-key-file=${certs.serviceAccountKey}`,
    '--profiling=false',
    '--v=1',
  ])
  const adminKubeconfig = await kubeconfigYaml(server, certs.caCert, { cert: certs.admin })
  const kubeconfig = join(dir, 'kubeconfig')
  await writeFile(kubeconfig, adminKubeconfig, { mode: 0o600 })
  const api = await adminClient(server, certs)
  await apiserver.waitUntil('ready', async () => (await api.get('/readyz')).status === 200, 90_000)
  await apiserver.waitUntil(
    'serving namespace default',
    async () => (await api.get('/api/v1/namespaces/default')).status === 200,
    30_000,
  )

  const kcm = launch('kube-controller-manager', join(kubeBin, 'kube-controller-manager'), [
    `--kubeconfig=${kubeconfig}`,
    '--leader-elect=false',
    '--controllers=*',
    `--service-account-private-key-file=${certs.serviceAccountKey}`,
    `--root-ca-file=${certs.caCert}`,
    '--use-service-account-credentials=false',
    `--secure-port=${kcmPort}`,
    '--bind-address=127.0.0.1',
    `--cert-dir=${join(dir, 'kcm-certs')}`,
    '--profiling=false',
    '--v=1',
  ])
  // The service-account controller creating `default` proves the controller-manager really works.
  await kcm.waitUntil(
    'creating service accounts',
    async () => (await api.get('/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
    60_000,
  )
  return { server, kubeconfig, certs, processes: [etcd, apiserver, kcm] }
}

/**
 * The API server's port: the one it had when a persistent stack restarts on its etcd data (the
 * `kubernetes` Service's endpoint names it and is not rewritten for a new port), else a free one.
 */
async function apiServerPort(dir: string, host: string): Promise<number> {
  const file = join(dir, 'api-port')
  const previous = existsSync(file) ? Number(await readFile(file, 'utf8')) : undefined
  const port = previous && (await claimPort(host, previous)) ? previous : await freePort(host)
  await writeFile(file, `${port}\n`)
  return port
}

function httpGet(url: string): Promise<string> {
  return fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.text())
}

export interface AdminClient {
  get(path: string): Promise<{ status: number; body: string }>
}

/** A minimal client with the admin certificate, used before any library client is set up. */
export async function adminClient(server: string, certs: ControlPlaneCerts): Promise<AdminClient> {
  const [ca, cert, key] = await Promise.all([
    readFile(certs.caCert),
    readFile(certs.admin.certFile),
    readFile(certs.admin.keyFile),
  ])
  return {
    get: (path) =>
      new Promise((resolve, reject) => {
        const req = request(new URL(path, server), { ca, cert, key, timeout: 5000 }, (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (chunk) => {
            body += chunk
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        })
        req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)))
        req.on('error', reject)
        req.end()
      }),
  }
}
