package dev.exactly.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/** The jobs as Processor API topologies over one key-value store; the windowed count in the DSL (WindowedCount). */
final class Topologies {
  static final String STORE = "state";

  static StoreBuilder<KeyValueStore<String, Long>> storeBuilder(String kind, boolean caching) {
    KeyValueBytesStoreSupplier supplier = switch (kind) {
      case "rocksdb" -> Stores.persistentKeyValueStore(STORE);
      case "memory" -> Stores.inMemoryKeyValueStore(STORE);
      default -> throw new IllegalArgumentException("--store must be rocksdb or memory, not " + kind);
    };
    StoreBuilder<KeyValueStore<String, Long>> builder = Stores.keyValueStoreBuilder(supplier, Serdes.String(), Serdes.Long());
    // The DSL caches stores by default (statestore.cache.max.bytes, 10 MB): writes reach the store
    // and its changelog once per key and commit, as our runtime's snapshots hold one value per key.
    return caching ? builder.withCachingEnabled() : builder.withCachingDisabled();
  }

  static Topology topology(String mode, List<String> inputs, String output, Progress progress,
      StoreBuilder<KeyValueStore<String, Long>> store, String storeKind) {
    Topology t = new Topology();
    StringDeserializer de = new StringDeserializer();
    StringSerializer ser = new StringSerializer();
    switch (mode) {
      case "passthrough" -> {
        t.addSource("source", de, de, inputs.toArray(String[]::new));
        t.addProcessor("passthrough", () -> new Passthrough(progress), "source");
        t.addSink("sink", output, ser, ser, "passthrough");
      }
      case "keyed-count" -> {
        t.addSource("source", de, de, inputs.toArray(String[]::new));
        t.addProcessor("count", () -> new KeyedCount(progress), "source");
        t.addStateStore(store, "count");
        t.addSink("sink", output, ser, ser, "count");
      }
      case "bank" -> {
        if (inputs.size() != 2) throw new IllegalArgumentException("bank needs --input=COMMANDS,CREDITS");
        t.addSource("source", de, de, inputs.toArray(String[]::new));
        t.addProcessor("bank", () -> new Bank(progress), "source");
        t.addStateStore(store, "bank");
        t.addSink(Bank.EVENTS, output, ser, ser, "bank");
        t.addSink(Bank.CREDITS, inputs.get(1), ser, ser, "bank");
      }
      case "windowed-count" -> {
        if (inputs.size() != 1) throw new IllegalArgumentException("windowed-count reads one input topic");
        return WindowedCount.topology(inputs.get(0), output, progress, storeKind);
      }
      default -> throw new IllegalArgumentException("mode must be passthrough, keyed-count, windowed-count or bank, not " + mode);
    }
    return t;
  }

  private Topologies() {}
}
