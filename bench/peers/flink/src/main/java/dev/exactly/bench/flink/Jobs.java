package dev.exactly.bench.flink;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The pipelines: KafkaSource (read_committed, from the earliest offsets, unbounded) → the job →
 * KafkaSink (one transaction per checkpoint under exactly-once). Output types are given
 * explicitly, so nothing depends on Flink's reflective type extraction.
 */
final class Jobs {
  static void build(StreamExecutionEnvironment env, Options o) {
    // Unbounded on purpose: a bounded source ends with MAX_WATERMARK, which would fire every open
    // window; the run stops the job itself once the expected records are processed (FlinkBenchApp).
    KafkaSource<Tuple2<String, String>> source = KafkaSource.<Tuple2<String, String>>builder()
        .setBootstrapServers(o.bootstrap())
        .setTopics(o.inputs())
        .setGroupId(o.applicationId())
        .setClientIdPrefix(o.applicationId())
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setDeserializer(new KafkaRecords.In())
        // Not the consumer's default: only committed output counts as input (the bank's credits).
        .setProperty("isolation.level", "read_committed")
        .build();
    WatermarkStrategy<Tuple2<String, String>> watermarks =
        o.mode().equals("windowed-count") ? WindowedCount.watermarks() : WatermarkStrategy.noWatermarks();
    DataStream<Tuple2<String, String>> in = env.fromSource(source, watermarks, "kafka source", KafkaRecords.KEY_VALUE);
    KafkaSink<Tuple2<String, String>> toOutput = sink(o, new KafkaRecords.ToTopic(o.output()));
    switch (o.mode()) {
      case "passthrough" -> in.process(new Passthrough(), KafkaRecords.KEY_VALUE).name("passthrough").sinkTo(toOutput);
      case "keyed-count" -> in.keyBy(new KafkaRecords.ByKey(), Types.STRING)
          .process(new KeyedCount(), KafkaRecords.KEY_VALUE)
          .name("keyed count")
          .sinkTo(toOutput);
      case "windowed-count" -> WindowedCount.apply(in).sinkTo(toOutput);
      case "bank" -> in.keyBy(new KafkaRecords.ByKey(), Types.STRING)
          .process(new Bank(o.output(), o.inputs().get(1)), KafkaRecords.TOPIC_KEY_VALUE)
          .name("bank")
          .sinkTo(sink(o, new KafkaRecords.ToTopics()));
      default -> throw new IllegalArgumentException("unknown mode " + o.mode());
    }
  }

  private static <T> KafkaSink<T> sink(Options o, KafkaRecordSerializationSchema<T> records) {
    KafkaSinkBuilder<T> builder = KafkaSink.<T>builder()
        .setBootstrapServers(o.bootstrap())
        .setRecordSerializer(records)
        .setDeliveryGuarantee(o.exactlyOnce() ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
        // Explicit, and below the broker's transaction.max.timeout.ms (the stack's is 1 hour,
        // Kafka's default 15 min): a transaction stays open for one checkpoint interval.
        .setProperty("transaction.timeout.ms", Long.toString(o.transactionTimeoutMs()));
    // Unique per run (the application id): the sink's transactional ids are PREFIX-subtask-checkpoint.
    if (o.exactlyOnce()) builder.setTransactionalIdPrefix(o.applicationId());
    return builder.build();
  }

  private Jobs() {}
}
