package dev.exactly.bench.flink;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

/**
 * Flink's in-order watermarks (BoundedOutOfOrderness with no delay: max event time - 1), one
 * generator per Kafka partition, that also publish what they have seen: how many records and the
 * largest event time. At the end of the input the run needs the watermark the windows will finally
 * see, the minimum over partitions of (max - 1), before it may stop the job (FlinkBenchApp).
 *
 * The source emits a record before its generator sees it, so a record may be counted downstream
 * before its partition's max includes it: the run first waits until the generators have seen every
 * expected record ({@link #events()}).
 */
final class TrackedWatermarks<T> extends BoundedOutOfOrdernessWatermarks<T> {
  /** One entry per generator that has seen a record; a generator without records (the reader's main output) holds nothing. */
  private static final Queue<TrackedWatermarks<?>> SEEN = new ConcurrentLinkedQueue<>();
  // One source thread writes each; lazySet (no fence) is enough for main's polling to see them soon.
  private final AtomicLong events = new AtomicLong();
  private final AtomicLong maxTimestamp = new AtomicLong(Long.MIN_VALUE);

  TrackedWatermarks() {
    super(Duration.ZERO);
  }

  @Override
  public void onEvent(T event, long timestamp, WatermarkOutput output) {
    super.onEvent(event, timestamp, output);
    long n = events.get() + 1;
    if (n == 1) SEEN.add(this);
    if (timestamp > maxTimestamp.get()) maxTimestamp.lazySet(timestamp);
    events.lazySet(n);
  }

  /** Records seen by all generators. */
  static long events() {
    long n = 0;
    for (TrackedWatermarks<?> g : SEEN) n += g.events.get();
    return n;
  }

  /** The watermark after every partition's last record so far: min over partitions of (max - 1). */
  static long finalWatermark() {
    long min = Long.MAX_VALUE;
    for (TrackedWatermarks<?> g : SEEN) min = Math.min(min, g.maxTimestamp.get() - 1);
    return min == Long.MAX_VALUE ? Long.MIN_VALUE : min;
  }
}
