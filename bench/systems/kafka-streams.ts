/**
 * The Kafka Streams peer (bench/peers/kafka-streams.ts) on one workload. The JVM measures its
 * own CPU over its processing window; the end of the run is when its output was written, watched
 * from outside as for every other system, and the peer's own time is kept next to it.
 */
import { runKafkaStreams as runPeer } from '../peers/kafka-streams.ts'
import { expectedCounts, type RunContext, type SystemRun, watchOutput } from './system.ts'

export interface StreamsMode {
  guarantee: 'exactly_once_v2' | 'at_least_once'
  commitIntervalMs: number
}

const MODES = {
  passthrough: 'passthrough',
  keyedCount: 'keyed-count',
  windowedCount: 'windowed-count',
  bank: 'bank',
} as const

export async function runKafkaStreams(ctx: RunContext, mode: StreamsMode): Promise<SystemRun> {
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
      commitIntervalMs: mode.commitIntervalMs,
      applicationId: streamsApplicationId(ctx.runId),
      timeoutMs: ctx.timeoutMs,
    })
    // The peer closes the app (its last commit) before it returns: the output is complete.
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
        processCpuMs: result.processCpuMs,
        wallMs: result.wallMs,
      },
    }
  } finally {
    await watch.close()
  }
}

/** Kafka Streams names its internal topics after the application id: the run's cleanup finds them by it. */
export function streamsApplicationId(runId: string): string {
  return `bench-${runId}`
}
