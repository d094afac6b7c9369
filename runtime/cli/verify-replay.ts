/**
 * The model `exactly verify --job` compares with when a job has no hand-written one: the job's
 * own code, replayed in memory over the committed input with no failure (runtime/testing's
 * harness: the worker's Task, state and partitioner). If the job is deterministic, as
 * exactly-once requires, its committed output must equal that replay record for record; a
 * duplicate or a loss is then the runtime's, not the job's.
 *
 * Without lineage, sound only where one task's input order is fixed: each task reads one
 * partition of one topic, in offset order. A task reading several topics interleaves them as
 * records arrive, so a difference could be the interleaving, not a loss: refused unless the job
 * recorded its lineage (spec.kafka.sink.lineageTopic), which gives the order each task processed
 * its committed input in (runtime/source/lineage-order.ts). A job emitting into its own input
 * topic (a loop) is refused too: the replay would have to read what it writes.
 */
import type { Job } from '../api/define-job.ts'
import type { FetchedRecord } from '../kafka/kafka-client.ts'
import type { LineageOrder } from '../source/lineage-order.ts'
import { JobHarness } from '../testing/job-harness.ts'

export class ReplayRefusedError extends Error {
  override name = 'ReplayRefusedError'
}

export interface ReplayOptions {
  inputTopics: readonly string[]
  outputTopic: string
  partitions: number
  config?: unknown
  /** The order each task processed its input in, from the job's committed lineage. */
  lineage?: LineageOrder
}

export function replayModel(
  job: Job,
  input: readonly FetchedRecord[],
  options: ReplayOptions,
): Array<{ key: string | null; value: string | null }> {
  if (options.inputTopics.length !== 1 && !options.lineage) {
    throw new ReplayRefusedError(
      `Cannot replay a job over ${options.inputTopics.length} input topics without its lineage: each task interleaves them as records arrive, so the replay's order would not be the job's; set spec.kafka.sink.lineageTopic and pass it as --lineage, or audit with --example and a model`,
    )
  }
  const harness = new JobHarness(job, {
    config: options.config,
    sourceTopics: options.inputTopics,
    partitions: options.partitions,
    sinkTopic: options.outputTopic,
  })
  if (options.lineage) {
    // Runs of one topic at a time, each processed before the next is sent: the job's own order.
    for (const records of options.lineage.tasks.values()) {
      let at = 0
      while (at < records.length) {
        let end = at + 1
        while (end < records.length && records[end]!.topic === records[at]!.topic) end++
        for (const r of records.slice(at, end)) harness.send(toSent(r))
        harness.run()
        at = end
      }
    }
  } else {
    for (const r of input) harness.send(toSent(r))
    harness.run()
  }
  const emitted = harness.checkpoint()
  for (const topic of options.inputTopics) {
    if (emitted.output(topic).length > 0) {
      throw new ReplayRefusedError(
        `Cannot replay the job: it emits to its own input topic "${topic}" (a loop); audit it with --example and a model`,
      )
    }
  }
  return emitted.output(options.outputTopic).map((r) => ({ key: r.key, value: r.value }))
}

function toSent(r: FetchedRecord) {
  return {
    topic: r.topic,
    partition: r.partition,
    key: r.key,
    value: r.value,
    headers: r.headers,
    timestamp: r.timestamp,
  }
}
