/**
 * `helm install` of charts/exactly, as docs/helm.md tells users to, waiting for the operator
 * pods; then shows them (with their ServiceAccount) and which one leads.
 */
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

/** `helm install` of the chart with this tree's image, waiting for the operator pods (the demo's and `make dev`'s). */
export const INSTALL_OPERATOR = [
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
] as const

/** The chart path in `args` made absolute, so helm finds it from any working directory. */
export function fromRepo(args: readonly string[]): string[] {
  return args.map((a) => (a === 'charts/exactly' ? join(REPO_ROOT, a) : a))
}

export async function installOperator(tools: KubeTools, chaos: Chaos): Promise<void> {
  const args = INSTALL_OPERATOR
  note('(helm waits until the operator pods are ready)')
  const printed = await tools.helm(fromRepo(args))
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

function waitForLeader(chaos: Chaos): Promise<string> {
  return waitFor(
    `an operator pod takes the Lease ${OPERATOR_NAMESPACE}/${LEASE_NAME}`,
    async () => (await chaos.leader(OPERATOR_NAMESPACE)).pod,
    30_000,
    { intervalMs: 500 },
  )
}
