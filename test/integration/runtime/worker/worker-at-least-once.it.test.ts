/**
 * `kafka.delivery: at-least-once`, the benchmarks' baseline (what exactly-once is measured
 * against): the same worker writing without transactions. These tests pin that it is really the
 * weaker guarantee: no transaction is opened, and a crash between pre-commit and the checkpoint
 * repeats output that exactly-once would have aborted.
 */
import { describe, expect, it } from 'vitest'
import { useScenarioContext, WordCountScenario } from '../../helpers/word-count-scenario.ts'

const ctx = useScenarioContext()

describe('exactly worker with kafka.delivery at-least-once', () => {
  it('without a failure the output is exact, written without transactions', async () => {
    const run = await WordCountScenario.create(ctx, 'alo-clean', { delivery: 'at-least-once' })
    run.feed()
    await run.runToEnd([await run.start(0, 1)])
    await run.verify()
    // No producer of this job ever had a transaction open on the sink.
    expect(
      await ctx.client.describeOpenTransactions([0, 1].map((partition) => ({ topic: run.job.sinkTopic, partition }))),
    ).toEqual([])
  })

  it('a crash after pre-commit repeats the output since the last checkpoint (exactly-once aborts it)', async () => {
    const run = await WordCountScenario.create(ctx, 'alo-crash', { delivery: 'at-least-once' })
    run.feed()
    await run.crashAt(0, 1, 'after-precommit@3')
    await run.runToEnd([await run.start(0, 2)])
    const { report, expected } = await run.audit()
    expect(report.missing).toEqual([])
    expect(report.unexpected).toEqual([])
    expect(report.duplicates.length, 'records written after checkpoint 2 are written again').toBeGreaterThan(0)
    expect(report.actual).toBeGreaterThan(expected)
  })
})
