/**
 * Scene: the leading operator's process is killed with SIGKILL. Workers go on without it; a live
 * replica holds the Lease again once it expires. Measured from the kill until a live process
 * renews the Lease.
 */

import type { KubeTools } from '../kubectl.ts'
import { waitFor } from '../wait.ts'
import type { Chaos } from './chaos.ts'
import { POD_COLUMNS } from './install-operator.ts'
import { isReady, type JobWatch } from './job-watch.ts'
import * as say from './narrator.ts'

export interface OperatorKill {
  pod: string
  leader: string
  takeoverMs: number
  readyThroughout: boolean
}

export async function killOperatorScene(o: {
  tools: KubeTools
  chaos: Chaos
  watch: JobWatch
  namespace: string
}): Promise<OperatorKill> {
  say.note(
    "What should happen: nothing, for the job. Workers process, checkpoint and commit on their own; the operator is needed to change something (replace a failed worker, rescale, upgrade). Its pod's container is restarted, and once the Lease expires (15 s) a live replica holds it.",
  )
  const killed = await o.chaos.killLeader(o.namespace)
  say.event(`kill -9 ${killed.pid}   (the process of pod ${killed.pod}, the Lease holder)`)
  let readyThroughout = true
  const leader = await waitFor(
    'a live operator process holds the Lease again',
    async () => {
      if (o.watch.job && !isReady(o.watch.job)) readyThroughout = false
      const { pod, lease } = await o.chaos.leader(o.namespace)
      return Date.parse(String(lease.spec?.renewTime ?? '')) > killed.at ? pod : undefined
    },
    90_000,
  )
  const takeoverMs = Date.now() - killed.at
  const how = leader === killed.pod ? 'its restarted container took the Lease back' : 'the standby took over'
  say.ok(`${leader} leads after ${say.seconds(takeoverMs)} (${how}).`)
  const line = (await o.chaos.logLines(o.namespace, leader, 'operator', 'became the leader')).at(-1)
  if (line) say.note(`its log: ${line}`)
  say.ran(
    `kubectl -n ${o.namespace} get pods -o custom-columns=…`,
    await o.tools.kubectl(['-n', o.namespace, 'get', 'pods', '-o', `custom-columns=${POD_COLUMNS}`]),
  )
  say.note(readyThroughout ? 'The job stayed Ready all along.' : 'The job was not Ready for a while (see above).')
  return { pod: killed.pod, leader, takeoverMs, readyThroughout }
}
