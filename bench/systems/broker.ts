/**
 * The broker's ceiling with Kafka's own perf tools (bench/peers/kafka-perf.ts): how fast one Java producer can write and one
 * Java consumer can read the same broker on the same machine. The producer writes a fresh topic
 * of the workload's record size (acks=all, as a transactional writer must); the consumer reads
 * the preloaded input. The tools report their own speed; their CPU time is the whole JVM's,
 * start-up included.
 */
import { runConsumerPerf, runProducerPerf } from '../peers/kafka-perf.ts'
import type { RunContext, SystemRun } from './system.ts'

export async function runProducerCeiling(ctx: RunContext): Promise<SystemRun> {
  const records = ctx.input.shape.records
  const result = await runProducerPerf({
    bootstrap: ctx.bootstrap,
    topic: ctx.outputTopic,
    records,
    recordSize: ctx.input.shape.valueBytes,
    acks: 'all',
    timeoutMs: ctx.timeoutMs,
  })
  return ceilingRun(records, result, { p99LatencyMs: result.p99LatencyMs })
}

export async function runConsumerCeiling(ctx: RunContext): Promise<SystemRun> {
  const records = ctx.input.shape.records
  const result = await runConsumerPerf({
    bootstrap: ctx.bootstrap,
    topic: ctx.input.topic,
    records,
    isolation: 'read_committed',
    timeoutMs: ctx.timeoutMs,
  })
  return ceilingRun(records, result, { rebalanceMs: result.rebalanceMs })
}

/** A tool's figures as a run: `elapsedMs` from its own records/s, so records / elapsed gives it back. */
function ceilingRun(
  records: number,
  tool: { recordsPerSec: number; cpuMs: number; wallMs: number },
  extra: Record<string, number>,
): SystemRun {
  return {
    elapsedMs: (records / tool.recordsPerSec) * 1000,
    cpuMs: tool.cpuMs,
    extra: { wallMs: tool.wallMs, ...extra },
  }
}
