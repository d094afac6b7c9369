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

/** The lag watcher of --lag-poll-ms (see BenchApp). */
final class LagWatch {
  /**
   * The lag of this process's processing: the input partitions' last stable offsets (asked first)
   * minus the next offset to process (taken after), so 0 means everything that was in the input
   * when asked has been processed. A partition this process has not processed a record of yet
   * counts from the group's committed offset.
   */
  static void watchLag(String bootstrap, String applicationId, List<String> inputs, long pollMs, KafkaStreams streams,
      Progress progress, Events events) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      admin.describeTopics(inputs).allTopicNames().get().forEach((topic, d) ->
          d.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
      ListOffsetsOptions committedOnly = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);
      boolean wasZero = false;
      boolean caughtUp = false;
      long printedAt = 0;
      while (true) {
        try {
          var ends = admin.listOffsets(latest, committedOnly).all().get();
          Map<TopicPartition, Long> positions = new HashMap<>(progress.positions);
          long records = progress.count;
          if (!positions.keySet().containsAll(latest.keySet())) {
            Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
            committed.forEach((tp, o) -> {
              if (o != null) positions.putIfAbsent(tp, o.offset());
            });
          }
          long lag = 0;
          for (var end : ends.entrySet()) lag += Math.max(0, end.getValue().offset() - positions.getOrDefault(end.getKey(), 0L));
          long now = System.currentTimeMillis();
          boolean running = streams.state() == KafkaStreams.State.RUNNING;
          boolean zero = lag == 0 && records > 0 && running;
          if (zero != wasZero || now - printedAt >= 1000) {
            events.emit(events.event("lag").put("lag", lag).put("records", records).put("state", streams.state().name()));
            printedAt = now;
          }
          if (zero && !caughtUp) events.emit(events.event("caught-up").put("records", records));
          caughtUp |= zero;
          wasZero = zero;
        } catch (java.util.concurrent.ExecutionException e) {
          events.emit(events.event("lag-error").put("error", String.valueOf(e.getCause())));
        }
        Thread.sleep(pollMs);
      }
    } catch (InterruptedException e) {
      // the process is ending
    } catch (Exception e) {
      events.emit(events.event("lag-error").put("error", e.toString()));
    }
  }

  private LagWatch() {}
}
