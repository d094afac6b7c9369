/**
 * `helm install` of charts/exactly, as docs/helm.md tells users to, waiting for the operator
 * pods; then shows them (with their ServiceAccount) and which one leads.
 */
import { existsSync, readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import type { KubeTools } from '../kubectl.ts'
import { REPO_ROOT } from '../repo-root.ts'
import { waitFor } from '../wait.ts'
import { type Chaos, LEASE_NAME } from './chaos.ts'
import { note, ran } from './narrator.ts'

export const OPERATOR_NAMESPACE = 'exactly-system'
export const RELEASE = 'exactly'

export const POD_COLUMNS =
  'NAME:.metadata.name,SERVICEACCOUNT:.spec.serviceAccountName,IP:.status.podIP,STATUS:.status.phase,RESTARTS:.status.containerStatuses[0].restartCount'

export async function installOperator(tools: KubeTools, chaos: Chaos, stackDir: string): Promise<void> {
  const args = [
    'install',
    RELEASE,
    'charts/exactly',
    '-n',
    OPERATOR_NAMESPACE,
    '--create-namespace',
    '--set',
    'image.repository=exactly',
    '--set',
    'image.tag=dev',
    '--wait',
    '--timeout',
    '3m',
  ]
  note('(helm waits until the operator pods are ready)')
  const printed = await tools
    .helm(args.map((a) => (a === 'charts/exactly' ? join(REPO_ROOT, a) : a)))
    .catch((error: Error) => {
      throw new Error(`${error.message.trim()}\n${livenessKills(stackDir)}`)
    })
  // The NOTES that follow are next steps for a real cluster; this demo takes them itself.
  ran(`helm ${args.join(' ')}`, printed.split(/^NOTES:/m)[0]!)
  note('Two operator pods run under the chart\'s ServiceAccount "exactly" (RBAC applies for real):')
  ran(
    `kubectl -n ${OPERATOR_NAMESPACE} get pods -o custom-columns=…`,
    await tools.kubectl(['-n', OPERATOR_NAMESPACE, 'get', 'pods', '-o', `custom-columns=${POD_COLUMNS}`]),
  )
  const leader = await waitForLeader(chaos)
  note(`They elect a leader through the Lease "${LEASE_NAME}": ${leader} acts, the other stands by.`)
  ran(
    `kubectl -n ${OPERATOR_NAMESPACE} get lease ${LEASE_NAME}`,
    await tools.kubectl(['-n', OPERATOR_NAMESPACE, 'get', 'lease', LEASE_NAME]),
  )
}

/** Why the operator pods may not have become ready: the node agent's liveness kills, if any. */
function livenessKills(stackDir: string): string {
  const file = join(stackDir, 'logs', 'node-agent.log')
  if (!existsSync(file)) return ''
  const kills = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes('liveness probe failed') && line.includes(`"${OPERATOR_NAMESPACE}/`)).length
  if (kills === 0) return ''
  return [
    `The node agent killed the operator pods ${kills} times on a failed liveness probe, a few seconds after each start and before the operator listened on :8081 (load average now: ${loadavg()[0]?.toFixed(1)}).`,
    'While a pod is not ready, stack/node-agent/pod-runner.ts probes liveness every second instead of every periodSeconds (10 s), so an operator that needs more than about 2 s to start on a busy machine never gets there.',
    'Try again when the machine is less busy.',
  ].join('\n')
}

function waitForLeader(chaos: Chaos): Promise<string> {
  return waitFor(
    `an operator pod takes the Lease ${OPERATOR_NAMESPACE}/${LEASE_NAME}`,
    async () => (await chaos.leader(OPERATOR_NAMESPACE)).pod,
    30_000,
    { intervalMs: 500 },
  )
}
