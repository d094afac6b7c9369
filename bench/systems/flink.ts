/**
 * The Flink peer (bench/peers/flink.ts) on one workload, measured as the Kafka Streams peer is:
 * the JVM measures its own CPU over its processing window; the end of the run is when its output
 * was written, watched from outside as for every other system, and the peer's own time is kept
 * next to it.
 */
import { WINDOW_MS } from '../jobs/windowed-count.ts'
import { type FlinkGuarantee, type FlinkState, runFlink as runPeer } from '../peers/flink.ts'
import { expectedCounts, type RunContext, type SystemRun, Unavailable, watchOutput } from './system.ts'

export interface FlinkRunMode {
  guarantee: FlinkGuarantee
  checkpointIntervalMs: number
  state: FlinkState
  parallelism: number
}

const MODES = {
  passthrough: 'passthrough',
  keyedCount: 'keyed-count',
  windowedCount: 'windowed-count',
  bank: 'bank',
} as const

/**
 * How far from the end of the input every partition's last record lies, at most, for the
 * windowed count's check (4 partitions of uniformly drawn keys: a few records in practice).
 */
const LAST_RECORD_SPREAD = 1000

export async function runFlink(ctx: RunContext, mode: FlinkRunMode): Promise<SystemRun> {
  refuseWindowEndAtTheEnd(ctx)
  const expected = expectedCounts(ctx.workload, ctx.input)
  const watch = watchOutput(ctx, expected.out)
  watch.start()
  try {
    const result = await runPeer({
      bootstrap: ctx.bootstrap,
      mode: MODES[ctx.workload.job],
      guarantee: mode.guarantee,
      inputTopics: ctx.workload.job === 'bank' ? [ctx.input.topic, ctx.creditsTopic!] : [ctx.input.topic],
      outputTopic: ctx.outputTopic,
      expectedRecords: expected.in,
      checkpointIntervalMs: mode.checkpointIntervalMs,
      applicationId: flinkApplicationId(ctx.runId),
      timeoutMs: ctx.timeoutMs,
      state: mode.state,
      parallelism: mode.parallelism,
    })
    // The peer stops the job with a savepoint (its last commit) before it returns: the output is complete.
    await watch.written(Date.now() + 30_000)
    // From the JVM's first input record (its clock is this machine's) to the output written, as
    // for the other systems; the peer's own window ends at the last record processed instead.
    const watched = watch.writtenAt() - result.firstRecordAt
    return {
      elapsedMs: Number.isFinite(watched) ? watched : result.elapsedMs,
      cpuMs: result.cpuMs,
      extra: {
        peerElapsedMs: result.elapsedMs,
        closeMs: result.closeMs,
        watermarkWaitMs: result.watermarkWaitMs,
        processCpuMs: result.processCpuMs,
        wallMs: result.wallMs,
      },
    }
  } finally {
    await watch.close()
  }
}

/** The source's consumer group and the sink's transactional id prefix: unique per run. */
export function flinkApplicationId(runId: string): string {
  return `bench-${runId}`
}

/**
 * Flink's watermark after keyBy is the minimum over all input partitions; ours and Kafka
 * Streams' is per partition (bench/workloads.ts windowedCounts). They disagree only on a window
 * whose end lies between the last records of two partitions: it closes in ours and stays open in
 * Flink, so the check would call a correct Flink run invalid. Such inputs are refused instead.
 */
function refuseWindowEndAtTheEnd(ctx: RunContext): void {
  if (ctx.workload.job !== 'windowedCount') return
  const last = ctx.input.shape.records - 1
  const end = Math.floor(last / WINDOW_MS) * WINDOW_MS
  if (end > 0 && end > last - LAST_RECORD_SPREAD) {
    throw new Unavailable(
      `Cannot compare Flink's windowed count on ${ctx.input.shape.records} records: the window ending at ${end} ms ` +
        `closes in some partitions only (Flink's watermark is the minimum over partitions); ` +
        `use a record count at least ${LAST_RECORD_SPREAD} past a multiple of ${WINDOW_MS}`,
    )
  }
}
