/** Labels on every object the operator creates, and the selectors that find a job's pods again. */

export const LABEL = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by',
  job: 'exactly.dev/job',
  slot: 'exactly.dev/slot',
  generation: 'exactly.dev/generation',
  attempt: 'exactly.dev/attempt',
} as const

export type PodRole = 'worker' | 'recover'

export function jobSelector(job: string): string {
  return `${LABEL.job}=${job},${LABEL.managedBy}=exactly-operator`
}

/** The labels of everything the operator makes for a job: its pods and its NetworkPolicy. */
export function jobLabels(job: string): Record<string, string> {
  return {
    [LABEL.name]: 'exactly',
    [LABEL.instance]: job,
    [LABEL.managedBy]: 'exactly-operator',
    [LABEL.job]: job,
  }
}

/**
 * Selects a job's worker pods of every generation and attempt (not its recover pods, which serve
 * nothing): what its NetworkPolicy guards. Labels the operator sets last on each pod, so a
 * `podTemplate.labels` entry cannot take a pod out of it.
 */
export function workerPodSelector(job: string): Record<string, string> {
  return { [LABEL.managedBy]: 'exactly-operator', [LABEL.job]: job, [LABEL.component]: 'worker' }
}

/** The worker selector as a label-selector string (`k=v,k=v`), as the scale subresource reports it. */
export function workerSelectorText(job: string): string {
  return Object.entries(workerPodSelector(job))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
}

export function podLabels(
  job: string,
  role: PodRole,
  ids: { generation: number; slot?: number; attempt?: number },
): Record<string, string> {
  return {
    ...jobLabels(job),
    [LABEL.component]: role,
    [LABEL.generation]: String(ids.generation),
    ...(ids.slot !== undefined ? { [LABEL.slot]: String(ids.slot) } : {}),
    ...(ids.attempt !== undefined ? { [LABEL.attempt]: String(ids.attempt) } : {}),
  }
}
