/**
 * The operator at scale, by running bench/operator-scale.ts (1000 suspended StreamJobs, one
 * operator) and reading the JSON it prints. It stays a program of its own, so it can be run
 * alone as before. On a reused stack with Kubernetes (`make up`) it uses that; otherwise it
 * starts its own control plane for the time it runs, so etcd and the API server do not load
 * the two cores during the throughput runs.
 */
import { join } from 'node:path'
import { runChecked } from '../../stack/run-command.ts'
import type { Figure, Figures, Section } from '../report.ts'
import type { Bench } from '../run-cell.ts'

/** The scale; BENCH_OPERATOR_JOBS makes it smaller for a quick try. */
const JOBS = Number(process.env.BENCH_OPERATOR_JOBS ?? 1000)

export async function operatorSection(bench: Bench, say: (line: string) => void): Promise<Section> {
  say(`[operator] ${JOBS} StreamJobs…`)
  const stdout = await runChecked(
    process.execPath,
    [join(import.meta.dirname, '..', 'operator-scale.ts'), String(JOBS)],
    {
      env: { ...process.env, EXACTLY_STACK_DIR: bench.stack.kube ? bench.stack.dir : '' },
      timeoutMs: 20 * 60_000,
    },
  )
  // The result is the one multi-line JSON object it prints; other lines are progress.
  const start = stdout.startsWith('{') ? 0 : stdout.indexOf('\n{') + 1
  const end = stdout.indexOf('\n}', start)
  if (stdout[start] !== '{' || end < 0) throw new Error(`operator-scale.ts printed no result:\n${stdout.slice(-1000)}`)
  const result = JSON.parse(stdout.slice(start, end + 2)) as Record<string, Figure>
  const figures: Figures = {}
  for (const [key, value] of Object.entries(result)) figures[`operator.${key}`] = value
  const rows = Object.entries(result).map(([key, value]) => `| ${key} | ${value} |`)
  const markdown = [
    `\`node bench/operator-scale.ts ${JOBS}\` (see "Operator at scale" below for what it does). p50/p99 are histogram bucket upper bounds.`,
    '',
    '| figure | value |',
    '|---|--:|',
    ...rows,
  ].join('\n')
  return { title: 'Operator at scale (this run)', figures, markdown }
}
