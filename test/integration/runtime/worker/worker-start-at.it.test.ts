/**
 * A job's first start somewhere other than the earliest or latest offset
 * (spec.kafka.source.startFromTimestamp / startFromOffsets, runtime/source/start-position.ts):
 * one partition starts at an explicit offset, the other at its first record at or after a time,
 * and the output is exactly the word count of what lies from there on.
 */
import { describe, expect, it } from 'vitest'
import { expectedWordCount } from '../../../../examples/word-count/expected.ts'
import { readToEnd } from '../../../../runtime/kafka/read-to-end.ts'
import { waitFor } from '../../../../stack/wait.ts'
import { useScenarioContext, WordCountScenario } from '../../helpers/word-count-scenario.ts'

const ctx = useScenarioContext()

describe('exactly worker, first start at a timestamp and at an offset', () => {
  it('reads partition 0 from offset 100 and partition 1 from its first record at or after the time; the output is exact', async () => {
    const run = await WordCountScenario.create(ctx, 'start-at', { inputRecords: 600 })
    const input = run.job.sourceTopics[0]!
    run.feed(30)
    const fed = await waitFor(
      'all 600 input records are in the topic',
      async () => {
        const read = await readToEnd(ctx.client, input)
        return read.records.length === 600 ? read.records : undefined
      },
      30_000,
      { intervalMs: 200 },
    )
    // The time of a record in the middle of partition 1; its first record at or after that time
    // is found here by reading, not by ListOffsets, which the worker uses.
    const p1 = fed.filter((r) => r.partition === 1)
    const at = p1[Math.floor(p1.length / 2)]!.timestamp
    const p1Start = p1.find((r) => r.timestamp >= at)!.offset
    expect(p1Start).toBeGreaterThan(0n)
    run.job.startAt = { timestampMs: at, offsets: { [`${input}/0`]: '100' } }

    await run.runToEnd([await run.start(0, 1)])
    const start = [100n, p1Start]
    await run.verify((records) => expectedWordCount(records.filter((r) => BigInt(r.offset) >= start[r.partition]!)))
  })
})
