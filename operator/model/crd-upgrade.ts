/**
 * Whether `exactly crd apply` (the chart's pre-upgrade hook) may put the chart's CRD in place of
 * the one the cluster has. Helm never upgrades a chart's crds/, so without this a `helm upgrade`
 * would run a new operator against an old schema, whose pruning silently drops the new fields.
 * Refused: a CRD that no longer serves a version objects are stored in (the API server would
 * refuse it too, less clearly), and one whose chart is older than the chart that last applied
 * it (a `helm rollback` or an old chart would take fields away from stored objects). Pure.
 */

export interface CrdView {
  metadata: { name?: string; annotations?: Record<string, string>; resourceVersion?: string }
  spec: { versions: Array<{ name: string; served: boolean; storage: boolean }> }
  status?: { storedVersions?: string[] }
}

/** The annotation recording which chart version last applied the CRD. */
export const CHART_VERSION_ANNOTATION = 'exactly.dev/chart-version'

export type CrdUpgrade =
  | { action: 'create' }
  | { action: 'update' }
  | { action: 'unchanged' }
  | { action: 'refuse'; reason: string }

export function planCrdUpgrade(
  existing: CrdView | undefined,
  desired: CrdView,
  sameContent: boolean,
  allowDowngrade = false,
): CrdUpgrade {
  if (!existing) return { action: 'create' }
  const name = desired.metadata.name ?? 'the CRD'
  const served = new Set(desired.spec.versions.filter((v) => v.served).map((v) => v.name))
  const orphaned = (existing.status?.storedVersions ?? []).filter((v) => !served.has(v))
  if (orphaned.length > 0) {
    return {
      action: 'refuse',
      reason: `The new ${name} no longer serves ${orphaned.join(', ')}, in which StreamJobs are stored: migrate them first (status.storedVersions)`,
    }
  }
  const was = existing.metadata.annotations?.[CHART_VERSION_ANNOTATION]
  const now = desired.metadata.annotations?.[CHART_VERSION_ANNOTATION]
  if (!allowDowngrade && was && now && compareVersions(now, was) < 0) {
    return {
      action: 'refuse',
      reason: `${name} was applied by chart ${was}, newer than this chart (${now}): an older schema would drop fields of stored StreamJobs; set crds.allowDowngrade=true to apply it anyway`,
    }
  }
  return sameContent ? { action: 'unchanged' } : { action: 'update' }
}

/** Semantic-version order of `major.minor.patch[-pre]`; a pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = '', pre] = v.replace(/^v/, '').split('-', 2)
    return { parts: core.split('.').map((n) => Number.parseInt(n, 10) || 0), pre }
  }
  const x = parse(a)
  const y = parse(b)
  for (let i = 0; i < 3; i++) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0)
    if (d !== 0) return Math.sign(d)
  }
  if (x.pre === y.pre) return 0
  if (x.pre === undefined) return 1
  if (y.pre === undefined) return -1
  return x.pre < y.pre ? -1 : 1
}
