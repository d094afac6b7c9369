/**
 * Scene: a worker's process is killed with SIGKILL. The operator replaces it with the next
 * attempt, which restores the slot from its last checkpoint; measured from the kill until the
 * job is Ready again.
 */
import type { StreamJob } from '../../operator/api/streamjob-types.ts'
import type { KubeTools } from '../kubectl.ts'
import type { Chaos } from './chaos.ts'
import { isReady, type JobWatch } from './job-watch.ts'
import * as say from './narrator.ts'

export interface WorkerKill {
  pod: string
  replacement: string
  recoveryMs: number
}

export async function killWorkerScene(o: {
  tools: KubeTools
  chaos: Chaos
  watch: JobWatch
  namespace: string
  slot: number
}): Promise<WorkerKill> {
  const pod = slotWorker(o.watch.job, o.slot)?.pod
  if (!pod) throw new Error(`The StreamJob status names no pod for slot ${o.slot}`)
  const attempt = slotWorker(o.watch.job, o.slot)?.attempt ?? 1
  say.note(
    `${pod} dies mid-stream, with no chance to clean up: its open Kafka transaction stays behind, and what it did since its last checkpoint is lost with it.`,
  )
  say.note(
    `What should happen: the operator sees the pod fail and marks the job Degraded; after the backoff it starts attempt ${attempt + 1} of slot ${o.slot}, which restores the slot from its last checkpoint, commits what that checkpoint promised, aborts what the dead pod left open (fencing its transactional ids) and reads on from the checkpointed offsets.`,
  )
  const killed = await o.chaos.killWorker(o.namespace, pod)
  say.event(`kill -9 ${killed.pid}   (the process of pod ${pod})`)
  const recovered = await o.watch.until(
    `slot ${o.slot} runs again as attempt ${attempt + 1} and the job is Ready`,
    (job) => (isReady(job) && (slotWorker(job, o.slot)?.attempt ?? 0) > attempt ? job : undefined),
    180_000,
  )
  const recoveryMs = Date.now() - killed.at
  const replacement = slotWorker(recovered, o.slot)?.pod ?? '?'
  say.ok(`Recovered in ${say.seconds(recoveryMs)}: slot ${o.slot} runs as ${replacement}, and the job is Ready again.`)
  const story = await restoreStory(o.chaos, o.namespace, replacement)
  if (story) say.note(story)
  const eventArgs = ['get', 'events', '--field-selector', 'involvedObject.kind=StreamJob', '--sort-by=.lastTimestamp']
  say.note("The operator's Events on the StreamJob:")
  say.ran(`kubectl -n ${o.namespace} ${eventArgs.join(' ')}`, await o.tools.kubectl(['-n', o.namespace, ...eventArgs]))
  return { pod, replacement, recoveryMs }
}

/** What the replacement's log says about its recovery, in one sentence (undefined if it says nothing). */
async function restoreStory(chaos: Chaos, namespace: string, pod: string): Promise<string | undefined> {
  const entry = async (msg: string) => {
    const line = (await chaos.logLines(namespace, pod, 'worker', msg)).at(-1)
    try {
      return line ? (JSON.parse(line) as Record<string, unknown>) : undefined
    } catch {
      return undefined
    }
  }
  const recovering = await entry('recovering slot')
  const restored = await entry('slot restored and running')
  if (!recovering) return undefined
  const steps = Array.isArray(recovering.steps) ? recovering.steps.join(' → ') : '?'
  const from = recovering.checkpointId === null ? 'no checkpoint yet' : `checkpoint ${recovering.checkpointId}`
  const took = typeof restored?.restoreMs === 'number' ? ` in ${restored.restoreMs} ms` : ''
  return `${pod}'s log: it recovered the slot from ${from} (${steps})${took}.`
}

function slotWorker(job: StreamJob | undefined, slot: number) {
  return job?.status?.workers?.find((w) => w.slot === slot)
}
