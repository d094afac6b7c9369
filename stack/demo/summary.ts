/** The closing summary (what went in, what came out, what the failures cost) and what is off. */
import type { StreamJob } from '../../operator/api/streamjob-types.ts'
import { condition, isReady } from './job-watch.ts'
import type { OperatorKill } from './kill-operator.ts'
import type { WorkerKill } from './kill-worker.ts'
import { count, minutes, seconds } from './narrator.ts'
import type { VerifyOutcome } from './run-verify.ts'

export interface DemoResults {
  seed: number
  commands: number
  deposited: number
  verify: VerifyOutcome
  /** The StreamJob as last seen. */
  job: StreamJob | undefined
  worker: WorkerKill
  operator: OperatorKill
  wallMs: number
}

export function formatSummary(r: DemoResults): string {
  const n = r.verify.numbers
  const expected = /output records:\s+\d+ \(expected (\d+)\)/.exec(r.verify.stdout)?.[1]
  const invariant =
    n['invariant violations'] === 0
      ? `holds: each account's balances form one chain, and all balances add up to the ${count(r.deposited)} deposited`
      : `BROKEN (${n['invariant violations'] ?? '?'} violations; see the verify output above)`
  const rows: Array<[string, string]> = [
    ['seed', `${r.seed}   (DEMO_SEED=${r.seed} make demo replays this input)`],
    ['commands in', count(n['input records'] ?? r.commands)],
    ['events out', `${count(n['output records'] ?? 0)}   (expected ${expected ? count(Number(expected)) : '?'})`],
    ['duplicates', String(n.duplicates ?? '?')],
    ['missing', String(n.missing ?? '?')],
    ['unexpected', String(n.unexpected ?? '?')],
    ['open transactions', String(n['open transactions'] ?? '?')],
    ['bank invariant', invariant],
    ['worker restarts', String(r.job?.status?.restarts ?? '?')],
    ['worker recovery', `${seconds(r.worker.recoveryMs)} from the SIGKILL of ${r.worker.pod} to Ready again`],
    [
      'operator failover',
      `${seconds(r.operator.takeoverMs)} from the SIGKILL of ${r.operator.pod} until ${r.operator.leader === r.operator.pod ? 'its restarted container' : r.operator.leader} led again; the job ${r.operator.readyThroughout ? 'stayed Ready' : 'was not Ready for a while'}`,
    ],
    ['job at the end', r.job ? `${r.job.status?.phase}, Ready=${condition(r.job, 'Ready')?.status}` : 'unknown'],
    ['wall time', minutes(r.wallMs)],
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `  ${k.padEnd(width)}   ${v}`).join('\n')
}

/** Everything that should not be: empty when the demo showed what it claims. */
export function findProblems(r: DemoResults): string[] {
  const job = r.job
  const restarts = job?.status?.restarts ?? 0
  const problems: Array<string | false> = [
    r.verify.exitCode !== 0 && `exactly verify exited ${r.verify.exitCode}`,
    !(job && isReady(job)) && `the job is not Ready at the end (phase ${job?.status?.phase})`,
    restarts !== 1 && `the operator restarted workers ${restarts} times; the demo killed one`,
    job !== undefined &&
      condition(job, 'TransactionsClean')?.status !== 'True' &&
      `TransactionsClean is ${condition(job, 'TransactionsClean')?.status}`,
  ]
  return problems.filter((p): p is string => typeof p === 'string')
}
