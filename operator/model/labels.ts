/** Labels on every pod the operator creates, and the selector that finds a job's pods again. */

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

export function podLabels(
  job: string,
  role: PodRole,
  ids: { generation: number; slot?: number; attempt?: number },
): Record<string, string> {
  return {
    [LABEL.name]: 'exactly',
    [LABEL.instance]: job,
    [LABEL.component]: role,
    [LABEL.managedBy]: 'exactly-operator',
    [LABEL.job]: job,
    [LABEL.generation]: String(ids.generation),
    ...(ids.slot !== undefined ? { [LABEL.slot]: String(ids.slot) } : {}),
    ...(ids.attempt !== undefined ? { [LABEL.attempt]: String(ids.attempt) } : {}),
  }
}
