package dev.exactly.bench.flink;

import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Kafka records in and out of the jobs as (key, value) strings, UTF-8 as the Kafka Streams peer's
 * String serdes. Written records get no timestamp (the producer stamps its own clock) and no
 * partition (the client's default partitioner: murmur2 of the key, as every other system), so the
 * bank's credits land in the partition of their account.
 */
final class KafkaRecords {
  static final TypeInformation<Tuple2<String, String>> KEY_VALUE = Types.TUPLE(Types.STRING, Types.STRING);
  static final TypeInformation<Tuple3<String, String, String>> TOPIC_KEY_VALUE =
      Types.TUPLE(Types.STRING, Types.STRING, Types.STRING);

  /** (key, value) of every input record. */
  static final class In implements KafkaRecordDeserializationSchema<Tuple2<String, String>> {
    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Tuple2<String, String>> out) {
      Progress.read(record.topic(), record.partition(), record.offset());
      out.collect(Tuple2.of(text(record.key()), text(record.value())));
    }

    @Override
    public TypeInformation<Tuple2<String, String>> getProducedType() {
      return KEY_VALUE;
    }
  }

  /** (key, value) to one topic: the output of passthrough, keyed-count and windowed-count. */
  static final class ToTopic implements KafkaRecordSerializationSchema<Tuple2<String, String>> {
    private final String topic;

    ToTopic(String topic) {
      this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(Tuple2<String, String> r, KafkaSinkContext context, Long timestamp) {
      return new ProducerRecord<>(topic, bytes(r.f0), bytes(r.f1));
    }
  }

  /** (topic, key, value): the bank writes events to the output and credits to the credits topic. */
  static final class ToTopics implements KafkaRecordSerializationSchema<Tuple3<String, String, String>> {
    @Override
    public ProducerRecord<byte[], byte[]> serialize(Tuple3<String, String, String> r, KafkaSinkContext context, Long timestamp) {
      return new ProducerRecord<>(r.f0, bytes(r.f1), bytes(r.f2));
    }
  }

  /** The record key: every job is keyed by it (the input is partitioned by it too). */
  static final class ByKey implements KeySelector<Tuple2<String, String>, String> {
    @Override
    public String getKey(Tuple2<String, String> r) {
      return r.f0;
    }
  }

  private static String text(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  private KafkaRecords() {}
}
