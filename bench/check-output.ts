/**
 * The correctness check every run passes through.
 *
 * The check reads the output topic with read_committed fetches (our Kafka adapter, no consumer
 * group) and streams every record into the workload's validator (bench/validators.ts): the count,
 * duplicates and what is missing. A run whose output fails it is invalid, whatever its speed.
 * It also returns the first and last CreateTime of the output, for the record: writers stamp a
 * record when they queue it, which can be long before it reaches the broker, so the speed
 * figures come from bench/output-watch.ts instead.
 */
import type { KafkaClient } from '../runtime/kafka/kafka-client.ts'
import type { PreloadedInput } from './preload.ts'
import { type Validator, type Verdict, validatorFor } from './validators.ts'
import { type JobKind, PARTITIONS } from './workloads.ts'

export interface CheckResult extends Verdict {
  /** CreateTime of the first and last output record (ms since the epoch). */
  firstTimestamp: number
  lastTimestamp: number
  /** Partitions whose last stable offset stayed behind the high watermark. */
  openTransactions: string[]
}

/** How long the output may stay short or a transaction open before the run is called invalid. */
const SETTLE_MS = 15_000

export async function checkOutput(
  client: KafkaClient,
  topic: string,
  job: JobKind,
  input: PreloadedInput,
): Promise<CheckResult> {
  const validator: Validator = validatorFor(job, input)
  const next = Array.from({ length: PARTITIONS }, () => 0n)
  let first = Number.POSITIVE_INFINITY
  let last = 0
  let records = 0
  let lastProgress = Date.now()
  let open: string[] = []
  for (;;) {
    const parts = await client.fetch(
      next.map((offset, partition) => ({ topic, partition, offset })),
      { maxWaitMs: 50, maxBytesPerPartition: 4 << 20 },
    )
    let behind = false
    open = []
    for (const part of parts) {
      for (const record of part.records) {
        validator.add(record)
        records++
        if (record.timestamp < first) first = record.timestamp
        if (record.timestamp > last) last = record.timestamp
      }
      if (part.nextOffset > next[part.partition]!) {
        next[part.partition] = part.nextOffset
        lastProgress = Date.now()
      }
      if (part.nextOffset < part.lastStableOffset) behind = true
      else if (part.lastStableOffset < part.highWatermark) {
        open.push(
          `${topic}/${part.partition}: last stable offset ${part.lastStableOffset} < high watermark ${part.highWatermark}`,
        )
      }
    }
    if (behind) continue
    // Everything committed is read: done when nothing is open and the count is there, or when
    // nothing has moved for a while (then the verdict names what is missing or still open).
    if (open.length === 0 && records >= validator.expected) break
    if (Date.now() - lastProgress > SETTLE_MS) break
  }
  const verdict = validator.finish()
  if (open.length > 0) verdict.problems.push(`transaction still open: ${open.join('; ')}`)
  return {
    ...verdict,
    valid: verdict.valid && open.length === 0,
    firstTimestamp: first,
    lastTimestamp: last,
    openTransactions: open,
  }
}
