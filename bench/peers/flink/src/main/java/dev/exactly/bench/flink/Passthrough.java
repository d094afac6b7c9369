package dev.exactly.bench.flink;

import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Every input record to the output unchanged. Not keyed: a passthrough has no state, so a Flink
 * user chains it to the source and the sink (no shuffle), as the Kafka Streams peer does not
 * repartition either. A record counts once it has been handed to the sink's writer (the chained
 * collect returns after the producer took it), as the Kafka Streams peer counts after forward().
 */
final class Passthrough extends ProcessFunction<Tuple2<String, String>, Tuple2<String, String>> {
  @Override
  public void processElement(Tuple2<String, String> record, Context ctx, Collector<Tuple2<String, String>> out) {
    out.collect(record);
    Progress.record();
  }
}
