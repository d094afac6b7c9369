/**
 * The rows after the throughput table, each its own module: exactly-once against at-least-once
 * over long runs with 10 s checkpoints, ours against Flink at steady state, end-to-end latency, checkpoint duration by state size,
 * recovery after SIGKILL, the operator at scale, the CPU cost of timers and state TTL. `--extras` picks them;
 * one that fails becomes a section saying so, and the others still run.
 */
import type { BenchOptions } from '../options.ts'
import type { Section } from '../report.ts'
import type { Bench } from '../run-cell.ts'
import { checkpointSection } from './checkpoint.ts'
import { latencySection } from './latency.ts'
import { longRunsSection, OURS_OVER_FLINK } from './long-runs.ts'
import { operatorSection } from './operator.ts'
import { recoverySection } from './recovery.ts'
import { timeSection } from './time.ts'

/** Latency and recovery repeat a few times; medians of at most 3 keep `make bench` near 45 minutes. */
const EXTRA_RUNS = 3

export async function runExtras(bench: Bench, options: BenchOptions, say: (line: string) => void): Promise<Section[]> {
  const runs = Math.min(options.runs, EXTRA_RUNS)
  const extras: Array<[string, string, () => Promise<Section>]> = [
    [
      'long',
      'Exactly-once against at-least-once, 10 s checkpoints, long runs',
      () => longRunsSection(bench, options, say),
    ],
    ['steady', OURS_OVER_FLINK.title, () => longRunsSection(bench, options, say, OURS_OVER_FLINK)],
    ['latency', 'End-to-end latency (read_committed)', () => latencySection(bench, runs, say)],
    ['checkpoint', 'Checkpoint duration by state size', () => checkpointSection(bench, options.stateMb, say)],
    ['recovery', 'Recovery after SIGKILL', () => recoverySection(bench, runs, say, options.systems)],
    ['operator', 'Operator at scale (this run)', () => operatorSection(bench, say)],
    ['time', 'The cost of time (timers, TTL)', () => timeSection(runs, say)],
  ]
  const sections: Section[] = []
  for (const [name, title, run] of extras) {
    if (!options.extras.includes(name)) continue
    say(`— ${title}`)
    sections.push(
      await run().catch((error: Error) => ({
        title,
        figures: { [`${name}.error`]: error.message },
        markdown: `Failed: ${error.message}`,
      })),
    )
  }
  return sections
}
