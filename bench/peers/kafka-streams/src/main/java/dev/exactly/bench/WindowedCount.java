package dev.exactly.bench;

import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;

/**
 * Our bench/jobs/windowed-count.ts in the DSL, as a Kafka Streams user writes it: event time from
 * the value's sequence number (record i is at i ms), groupByKey, windowedBy(TimeWindows) with no
 * grace, count, and suppress(untilWindowCloses) so each window's count is emitted once when it
 * closes (stream time reaches its end), as ours is when the watermark passes it. Output: (key,
 * "start:count").
 */
final class WindowedCount {
  static final long WINDOW_MS = 60_000;

  static Topology topology(String input, String output, Progress progress, String storeKind) {
    Duration size = Duration.ofMillis(WINDOW_MS);
    WindowBytesStoreSupplier store = switch (storeKind) {
      case "rocksdb" -> Stores.persistentTimestampedWindowStore(Topologies.STORE, size, size, false);
      case "memory" -> Stores.inMemoryWindowStore(Topologies.STORE, size, size, false);
      default -> throw new IllegalArgumentException("--store must be rocksdb or memory, not " + storeKind);
    };
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()).withTimestampExtractor(new SequenceTime()))
        .processValues(() -> new Counted(progress))
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeWithNoGrace(size))
        .count(Materialized.<String, Long>as(store).withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
        .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
        .toStream()
        .map((window, count) -> KeyValue.pair(window.key(), window.window().start() + ":" + count))
        .to(output, Produced.with(Serdes.String(), Serdes.String()));
    return builder.build();
  }

  /** Event time: the sequence number the value starts with ("123|xxx" is at 123 ms). */
  static final class SequenceTime implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
      String value = (String) record.value();
      int bar = value.indexOf('|');
      return Long.parseLong(value.substring(0, bar));
    }
  }

  /** Counts input records for the run's progress and passes them on unchanged. */
  static final class Counted implements FixedKeyProcessor<String, String, String> {
    private final Progress progress;
    private FixedKeyProcessorContext<String, String> ctx;

    Counted(Progress progress) {
      this.progress = progress;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, String> context) {
      ctx = context;
    }

    @Override
    public void process(FixedKeyRecord<String, String> record) {
      ctx.forward(record);
      progress.record(ctx);
    }
  }

  private WindowedCount() {}
}
