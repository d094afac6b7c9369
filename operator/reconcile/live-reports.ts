/**
 * What the running generation's live workers say, for a pass: their reports, and the answers
 * that were refused (observed.ts parsed them). Pure.
 */
import type { WorkerStatus } from '../../contract/worker-status.ts'
import type { Observed } from './observed.ts'
import type { InvalidReport } from './status.ts'

export function livePods(observed: Observed, generation: number) {
  return observed.pods.filter((p) => p.role === 'worker' && p.generation === generation && !p.deleting)
}

export function reportsOf(observed: Observed, generation: number): WorkerStatus[] {
  return livePods(observed, generation).flatMap((p) => {
    const report = observed.workers.get(p.name)
    return report ? [report] : []
  })
}

/** In slot order, so the worker the condition names does not change with the informer's order. */
export function invalidReportsOf(observed: Observed, generation: number): InvalidReport[] {
  return livePods(observed, generation)
    .sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0) || (a.attempt ?? 0) - (b.attempt ?? 0))
    .flatMap((p) => {
      const reason = observed.invalidReports?.get(p.name)
      return reason === undefined ? [] : [{ pod: p.name, reason }]
    })
}
