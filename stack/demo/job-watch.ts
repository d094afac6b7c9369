/**
 * Watches the StreamJob and narrates its status as it changes: the real `kubectl get sj` output,
 * the conditions that changed (status, reason, message), a new lastFailure, and the workers. It
 * polls the API often but prints only when one of those (or the phase or restarts) changed; lag
 * and checkpoint times move all the time and are left out of that comparison.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node'
import type { Condition, StreamJob, WorkerSlotStatus } from '../../operator/api/streamjob-types.ts'
import { GROUP, PLURAL, VERSION } from '../../operator/kube/kube-api.ts'
import type { KubeTools } from '../kubectl.ts'
import { waitFor } from '../wait.ts'
import { event, output } from './narrator.ts'

export interface JobWatch {
  /** The StreamJob as last read (undefined before the first read). */
  readonly job: StreamJob | undefined
  /** Resolves with the first non-undefined `check(job)`; rejects after `timeoutMs` naming `what`. */
  until<T>(what: string, check: (job: StreamJob) => T | undefined, timeoutMs: number): Promise<T>
  stop(): Promise<void>
}

export function condition(job: StreamJob, type: string): Condition | undefined {
  return job.status?.conditions?.find((c) => c.type === type)
}

export function isReady(job: StreamJob): boolean {
  return job.status?.phase === 'Running' && condition(job, 'Ready')?.status === 'True'
}

export function watchJob(tools: KubeTools, namespace: string, name: string): JobWatch {
  if (!tools.kubeconfig) throw new Error('watchJob needs kubectl tools made with a kubeconfig')
  const kc = new KubeConfig()
  kc.loadFromFile(tools.kubeconfig)
  const custom = kc.makeApiClient(CustomObjectsApi)
  let latest: StreamJob | undefined
  let shown: StreamJob | undefined
  let stopped = false

  const loop = (async () => {
    while (!stopped) {
      try {
        latest = (await custom.getNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace,
          name,
        })) as StreamJob
        if (signature(latest) !== signature(shown)) {
          const previous = shown
          shown = latest
          await narrate(tools, namespace, previous, latest)
        }
      } catch {
        // Not created yet, or the API server is busy: the next round reads again.
      }
      await sleep(500)
    }
  })()

  return {
    get job() {
      return latest
    },
    until(what, check, timeoutMs) {
      // The loop above reads the job; this only looks at what it read last.
      return waitFor(what, () => (latest ? check(latest) : undefined), timeoutMs)
    },
    async stop() {
      stopped = true
      await loop
    },
  }
}

/** What is worth a new line: phase, conditions, workers and restarts. */
function signature(job: StreamJob | undefined): string {
  const s = job?.status
  return JSON.stringify([
    s?.phase,
    s?.restarts,
    s?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
    s?.lastFailure?.time,
    s?.workers?.map((w) => [w.slot, w.pod, w.phase, w.ready]),
  ])
}

async function narrate(tools: KubeTools, namespace: string, before: StreamJob | undefined, now: StreamJob) {
  const table = await tools.kubectl(['-n', namespace, 'get', 'sj', now.metadata.name]).catch((e: Error) => e.message)
  event(`$ kubectl -n ${namespace} get sj`)
  output(table)
  for (const c of now.status?.conditions ?? []) {
    const old = before && condition(before, c.type)
    if (old?.status === c.status && old.reason === c.reason && old.message === c.message) continue
    output(`${c.type}=${c.status} (${c.reason}): ${c.message}`)
  }
  const failure = now.status?.lastFailure
  if (failure && failure.time !== before?.status?.lastFailure?.time) {
    output(
      `lastFailure: ${failure.reason} of slot ${failure.slot} attempt ${failure.attempt}: ${failure.message ?? ''}`,
    )
  }
  const workers = now.status?.workers ?? []
  if (JSON.stringify(workers.map(workerLine)) !== JSON.stringify((before?.status?.workers ?? []).map(workerLine))) {
    output(`workers: ${workers.map(workerLine).join(' · ') || 'none yet'}`)
  }
}

function workerLine(w: WorkerSlotStatus): string {
  return `slot ${w.slot} ${w.pod ?? '(no pod)'} ${w.ready ? 'ready' : (w.phase ?? 'Pending').toLowerCase()}`
}
