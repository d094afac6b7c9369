/**
 * The operator's own /metrics as the operator-scale benchmark reads them: gauges, and the
 * reconcile and queue-wait histograms, whose quantiles are bucket upper bounds.
 */

export function metricValue(text: string, name: string): number {
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN)
}

export type Buckets = Array<[number, number]>

/** A histogram's cumulative buckets from the operator's /metrics. */
export async function histogram(port: number, name: string): Promise<Buckets> {
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  return [...metrics.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`, 'gm'))].map(
    (m) => [m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2])] as [number, number],
  )
}

/** The passes between two reads of one histogram. */
export function since(before: Buckets, after: Buckets): Buckets {
  return after.map(([le, count], i) => [le, count - (before[i]?.[1] ?? 0)])
}

/** Share of the passes within 100 ms, which the bucket bounds alone do not say for a 100 ms target. */
export function within100Ms(buckets: Buckets): string {
  const passes = buckets.at(-1)?.[1] ?? 0
  return `${((100 * (buckets.find(([le]) => le === 0.1)?.[1] ?? 0)) / Math.max(1, passes)).toFixed(1)}%`
}

export /** p-quantile from a Prometheus histogram's cumulative buckets: the upper bound of its bucket. */
function quantile(buckets: Array<[number, number]>, q: number): number {
  const total = buckets.at(-1)?.[1] ?? 0
  const found = buckets.find(([, count]) => count >= q * total)
  return found?.[0] ?? Number.POSITIVE_INFINITY
}
