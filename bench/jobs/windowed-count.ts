/**
 * Windowed count: records per key per one-minute tumbling window of event time, emitted once when
 * the watermark passes the window's end, as (key, "start:count"). Event time is the sequence
 * number the synthetic value starts with ("123|xxx" is at 123 ms), so the input is in order and
 * every system cuts the same windows. Kafka Streams' peer is windowedBy(TimeWindows) + count +
 * suppress(untilWindowCloses) (bench/peers/kafka-streams/.../WindowedCount.java).
 */
import { defineJob, tumbling, windowed } from 'exactly/runtime'

export const WINDOW_MS = 60_000

export default defineJob(
  windowed<number>({
    window: tumbling(WINDOW_MS),
    time: { timestamp: (record) => sequence(record.value) },
    aggregate: { create: () => 0, add: (n) => n + 1 },
    result: ({ key, start, value }) => ({ key, value: `${start}:${value}` }),
  }),
)

function sequence(value: Buffer | null): number {
  const bar = value?.indexOf(0x7c) ?? -1
  if (!value || bar <= 0) throw new Error('a windowed-count value starts with its sequence number and "|"')
  return Number(value.toString('latin1', 0, bar))
}
