/**
 * The model `exactly verify --job` compares with when a job has no hand-written one: the job's
 * own code, replayed in memory over the committed input with no failure (runtime/testing's
 * harness: the worker's Task, state and partitioner). If the job is deterministic, as
 * exactly-once requires, its committed output must equal that replay record for record; a
 * duplicate or a loss is then the runtime's, not the job's.
 *
 * Sound only where one task's input order is fixed: each task reads one partition of one topic,
 * in offset order. A task reading several topics interleaves them as records arrive, so a
 * difference could be the interleaving, not a loss: refused (an example's model, or lineage
 * recorded with the output, can audit such jobs). A job emitting into its own input topic (a
 * loop) is refused too: the replay would have to read what it writes.
 */
import type { Job } from '../api/define-job.ts'
import type { FetchedRecord } from '../kafka/kafka-client.ts'
import { JobHarness } from '../testing/job-harness.ts'

export class ReplayRefusedError extends Error {
  override name = 'ReplayRefusedError'
}

export function replayModel(
  job: Job,
  input: readonly FetchedRecord[],
  options: { inputTopics: readonly string[]; outputTopic: string; partitions: number; config?: unknown },
): Array<{ key: string | null; value: string | null }> {
  if (options.inputTopics.length !== 1) {
    throw new ReplayRefusedError(
      `Cannot replay a job over ${options.inputTopics.length} input topics: each task interleaves them as records arrive, so the replay's order is not the job's; audit it with --example and a model`,
    )
  }
  const topic = options.inputTopics[0]!
  const harness = new JobHarness(job, {
    config: options.config,
    sourceTopics: [topic],
    partitions: options.partitions,
    sinkTopic: options.outputTopic,
  })
  for (const r of input) {
    harness.send({
      topic,
      partition: r.partition,
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: r.timestamp,
    })
  }
  const emitted = harness.run().checkpoint()
  if (emitted.output(topic).length > 0) {
    throw new ReplayRefusedError(
      `Cannot replay the job: it emits to its own input topic "${topic}" (a loop); audit it with --example and a model`,
    )
  }
  return emitted.output(options.outputTopic).map((r) => ({ key: r.key, value: r.value }))
}
