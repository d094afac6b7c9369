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
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Counts processed input records; the first and the expected-th are timed (wall and CPU). With
 * positions on, also the next offset to process of every input partition (for the lag watcher).
 */
final class Progress {
  final long expected;
  final CountDownLatch done = new CountDownLatch(1);
  final Map<TopicPartition, Long> positions;
  // One stream thread writes these; the main thread reads them after `done` (a happens-before
  // edge). `count` is volatile only so the progress reporter sees it; one writer, so ++ is safe.
  volatile long count;
  long firstAt, lastAt, firstNanos, lastNanos, firstCpuNanos, lastCpuNanos;

  Progress(long expected, boolean trackPositions) {
    this.expected = expected;
    this.positions = trackPositions ? new ConcurrentHashMap<>() : null;
  }

  void record(ProcessingContext ctx) {
    if (positions != null) {
      ctx.recordMetadata().ifPresent(m -> positions.put(new TopicPartition(m.topic(), m.partition()), m.offset() + 1));
    }
    long n = ++count;
    if (n == 1) {
      firstAt = System.currentTimeMillis();
      firstNanos = System.nanoTime();
      firstCpuNanos = Cpu.nanos();
    }
    if (n == expected) {
      lastAt = System.currentTimeMillis();
      lastNanos = System.nanoTime();
      lastCpuNanos = Cpu.nanos();
      done.countDown();
    }
  }
}
