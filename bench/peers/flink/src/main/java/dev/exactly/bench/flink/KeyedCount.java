package dev.exactly.bench.flink;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/** Our word-count job: n = state(key) + 1; state(key) = n; emit (key, String(n)). */
final class KeyedCount extends KeyedProcessFunction<String, Tuple2<String, String>, Tuple2<String, String>> {
  private transient ValueState<Long> count;

  @Override
  public void open(OpenContext context) {
    count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
  }

  @Override
  public void processElement(Tuple2<String, String> record, Context ctx, Collector<Tuple2<String, String>> out)
      throws Exception {
    Long before = count.value();
    long n = before == null ? 1 : before + 1;
    count.update(n);
    out.collect(Tuple2.of(record.f0, Long.toString(n)));
    Progress.record();
  }
}
