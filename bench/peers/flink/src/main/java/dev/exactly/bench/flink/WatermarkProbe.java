package dev.exactly.bench.flink;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Passes records on and publishes the last watermark each subtask has seen. Chained after the
 * window operator, which fires the windows a watermark closes before passing the watermark on:
 * once every subtask shows the final watermark, every window that will close has been emitted to
 * the sink, and the job may be stopped (a user's job would run forever instead).
 */
final class WatermarkProbe<T> extends AbstractStreamOperator<T> implements OneInputStreamOperator<T, T> {
  private static final Map<Integer, AtomicLong> LAST = new ConcurrentHashMap<>();
  private transient AtomicLong last;

  @Override
  public void open() throws Exception {
    super.open();
    last = LAST.computeIfAbsent(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), i -> new AtomicLong(Long.MIN_VALUE));
  }

  @Override
  public void processElement(StreamRecord<T> element) {
    output.collect(element);
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    super.processWatermark(mark);
    last.set(mark.getTimestamp());
  }

  /** Whether all `parallelism` subtasks have seen a watermark of at least `watermark`. */
  static boolean reached(long watermark, int parallelism) {
    if (LAST.size() < parallelism) return false;
    for (AtomicLong w : LAST.values()) if (w.get() < watermark) return false;
    return true;
  }
}
