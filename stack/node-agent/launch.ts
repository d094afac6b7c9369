/** Starts the node agent as its own process and waits until its node is Ready. */
import { join } from 'node:path'
import type { ControlPlane } from '../control-plane.ts'
import { adminClient } from '../control-plane.ts'
import type { Launch, ManagedProcess } from '../managed-process.ts'
import { REPO_ROOT } from '../repo-root.ts'
import { stackPodsDir } from './pod-logs.ts'

export interface NodeAgentHandle {
  nodeName: string
  process: ManagedProcess
}

export async function startNodeAgent(dir: string, plane: ControlPlane, launch: Launch): Promise<NodeAgentHandle> {
  const nodeName = 'exactly-node-1'
  const agent = launch('node-agent', process.execPath, [
    join(REPO_ROOT, 'stack/node-agent/main.ts'),
    `--kubeconfig=${plane.kubeconfig}`,
    `--node-name=${nodeName}`,
    `--pods-dir=${stackPodsDir(dir)}`,
    `--pid-dir=${join(dir, 'pids')}`,
    `--ca-cert=${plane.certs.caCert}`,
    `--node-binary=${process.execPath}`,
    `--map=/app=${REPO_ROOT}`,
  ])
  const api = await adminClient(plane.server, plane.certs)
  await agent.waitUntil(
    'registered as a Ready node',
    async () => {
      const res = await api.get(`/api/v1/nodes/${nodeName}`)
      if (res.status !== 200) return false
      const node = JSON.parse(res.body) as { status?: { conditions?: { type: string; status: string }[] } }
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
    },
    30_000,
  )
  return { nodeName, process: agent }
}
