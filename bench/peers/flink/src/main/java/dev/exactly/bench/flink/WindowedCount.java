package dev.exactly.bench.flink;

import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.windowing.WindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Our bench/jobs/windowed-count.ts as a Flink user writes it: event time from the value's
 * sequence number (record i is at i ms), in-order watermarks per Kafka partition (Flink's
 * per-split watermarks; BoundedOutOfOrderness(0), the same as forMonotonousTimestamps), keyBy,
 * one-minute tumbling event-time windows with an incremental count, each window emitted once when
 * the watermark passes its end, as (key, "start:count").
 *
 * One difference from ours and Kafka Streams, at the very end only: Flink's watermark after the
 * keyBy is the minimum over all partitions, theirs is per partition. A window whose end lies
 * between the last records of two partitions closes in theirs and stays open in Flink. With 4
 * partitions of uniformly drawn keys the partitions end within a few records of each other, so
 * bench/systems/flink.ts refuses inputs whose record count puts a window end that close to the end.
 */
final class WindowedCount {
  static final long WINDOW_MS = 60_000;

  /** Per-split watermarks, tracked (TrackedWatermarks) so the run can tell when the last one has arrived. */
  static WatermarkStrategy<Tuple2<String, String>> watermarks() {
    return WatermarkStrategy.<Tuple2<String, String>>forGenerator(context -> new TrackedWatermarks<>())
        .withTimestampAssigner((record, kafkaTimestamp) -> sequence(record.f1));
  }

  static DataStream<Tuple2<String, String>> apply(DataStream<Tuple2<String, String>> input) {
    return input
        .keyBy(new KafkaRecords.ByKey(), Types.STRING)
        .window(TumblingEventTimeWindows.of(Duration.ofMillis(WINDOW_MS)))
        .aggregate(new Count(), new StartAndCount(), Types.LONG, KafkaRecords.KEY_VALUE)
        // Chained right after the window operator: it sees each watermark after the windows it closed.
        .transform("watermark probe", KafkaRecords.KEY_VALUE, new WatermarkProbe<Tuple2<String, String>>());
  }

  /** Event time: the sequence number the value starts with ("123|xxx" is at 123 ms). */
  static long sequence(String value) {
    int bar = value == null ? -1 : value.indexOf('|');
    if (bar <= 0) throw new IllegalArgumentException("a windowed-count value starts with its sequence number and \"|\"");
    return Long.parseLong(value, 0, bar, 10);
  }

  /** The incremental count of a window; also where a record counts as processed (it is in the window's state). */
  static final class Count implements AggregateFunction<Tuple2<String, String>, Long, Long> {
    @Override
    public Long createAccumulator() {
      return 0L;
    }

    @Override
    public Long add(Tuple2<String, String> record, Long n) {
      Progress.record();
      return n + 1;
    }

    @Override
    public Long getResult(Long n) {
      return n;
    }

    @Override
    public Long merge(Long a, Long b) {
      return a + b;
    }
  }

  /** (key, "start:count") once, when the window fires. */
  static final class StartAndCount implements WindowFunction<Long, Tuple2<String, String>, String, TimeWindow> {
    @Override
    public void apply(String key, TimeWindow window, Iterable<Long> counts, Collector<Tuple2<String, String>> out) {
      out.collect(Tuple2.of(key, window.getStart() + ":" + counts.iterator().next()));
    }
  }

  private WindowedCount() {}
}
