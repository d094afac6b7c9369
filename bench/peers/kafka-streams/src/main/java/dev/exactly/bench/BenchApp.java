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

/**
 * The Kafka Streams peer of the benchmark: the same jobs as ours (passthrough, keyed count, bank
 * transfers), written with the Processor API, run until an expected number of input records has
 * been processed, closed cleanly (so the last transaction is committed), then one JSON line of
 * figures on stdout. Logs go to stderr.
 *
 * <pre>
 * java -cp 'DIR/*:DIR/libs/*' dev.exactly.bench.BenchApp MODE --bootstrap=HOST:PORT --input=T[,T2]
 *   --output=T --expected=N --application-id=ID --state-dir=DIR [--guarantee=exactly_once_v2]
 *   [--commit-interval-ms=100] [--store=rocksdb|memory] [--caching=true|false]
 *   [--events=true] [--lag-poll-ms=20]
 * </pre>
 *
 * --expected=0 runs until SIGTERM (a shutdown hook closes the client cleanly, committing the last
 * transaction). --events=true prints one line per event on stdout, {@code event {json}} with the
 * wall clock in "at": the effective group and transaction settings, every KafkaStreams state
 * change, every changelog partition's restore start and end (a StateRestoreListener). With
 * --lag-poll-ms=N (and --events) a watcher asks the broker every N ms for the input partitions'
 * last stable offsets and compares them with the offsets this process has processed (the group's
 * committed offset for a partition it has not processed yet): "lag" events when the lag becomes 0
 * or stops being 0 and once a second, and one "caught-up" the first time it is 0 while RUNNING
 * after at least one record.
 *
 * MODE is passthrough, keyed-count, windowed-count or bank (or the env BENCH_MODE). For bank, --input is the
 * commands topic then the credits topic (same partition count); credits are written to the
 * second input topic, events to --output.
 */
public final class BenchApp {
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = parse(args);
    String mode = require(opts, "mode");
    String bootstrap = require(opts, "bootstrap");
    List<String> inputs = List.of(require(opts, "input").split(","));
    String output = require(opts, "output");
    long expected = Long.parseLong(require(opts, "expected"));
    String applicationId = require(opts, "application-id");
    String stateDir = require(opts, "state-dir");
    String guarantee = opts.getOrDefault("guarantee", StreamsConfig.EXACTLY_ONCE_V2);
    String commitIntervalMs = opts.getOrDefault("commit-interval-ms", "100");
    String store = opts.getOrDefault("store", "rocksdb");
    boolean caching = Boolean.parseBoolean(opts.getOrDefault("caching", "true"));
    long closeTimeoutMs = Long.parseLong(opts.getOrDefault("close-timeout-ms", "60000"));
    if (!guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2) && !guarantee.equals(StreamsConfig.AT_LEAST_ONCE)) {
      throw new IllegalArgumentException("--guarantee must be exactly_once_v2 or at_least_once, not " + guarantee);
    }
    boolean eventsOn = Boolean.parseBoolean(opts.getOrDefault("events", "false"));
    long lagPollMs = Long.parseLong(opts.getOrDefault("lag-poll-ms", "0"));
    if (expected < 0) throw new IllegalArgumentException("--expected must be a number of input records, or 0 to run until SIGTERM");

    Events events = new Events(eventsOn);
    Progress progress = new Progress(expected, eventsOn && lagPollMs > 0);
    Topology topology = Topologies.topology(mode, inputs, output, progress, Topologies.storeBuilder(store, caching), store);

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.parseLong(commitIntervalMs));
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // No global stores here; set only to silence the start-up warning about its 5.0 default.
    props.put("processing.exception.handler.global.enabled", true);

    if (eventsOn) {
      // What decides how soon a dead instance's partitions move and its open transaction ends:
      // Kafka Streams' and the clients' defaults unless set above.
      StreamsConfig config = new StreamsConfig(props);
      Map<String, Object> consumerProps = new HashMap<>(config.getMainConsumerConfigs(applicationId, "probe", 0));
      consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
      consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
      Map<String, Object> producerProps = new HashMap<>(config.getProducerConfigs("probe"));
      producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
      producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
      ConsumerConfig consumer = new ConsumerConfig(consumerProps);
      ProducerConfig producer = new ProducerConfig(producerProps);
      ObjectNode e = events.event("config");
      e.put("groupProtocol", consumer.getString(ConsumerConfig.GROUP_PROTOCOL_CONFIG));
      e.put("sessionTimeoutMs", consumer.getInt(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG));
      e.put("heartbeatIntervalMs", consumer.getInt(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG));
      e.put("maxPollIntervalMs", consumer.getInt(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG));
      e.put("groupInstanceId", String.valueOf(consumer.getString(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)));
      e.put("transactionTimeoutMs", producer.getInt(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG));
      e.put("isolationLevel", consumer.getString(ConsumerConfig.ISOLATION_LEVEL_CONFIG));
      events.emit(e);
    }
    KafkaStreams streams = new KafkaStreams(topology, props);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    streams.setUncaughtExceptionHandler(error -> {
      failure.compareAndSet(null, error);
      progress.done.countDown();
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.setStateListener((now, before) -> {
      if (eventsOn) events.emit(events.event("state").put("from", before.name()).put("to", now.name()));
      if (now == KafkaStreams.State.ERROR) {
        failure.compareAndSet(null, new IllegalStateException("Kafka Streams went from " + before + " to ERROR"));
        progress.done.countDown();
      }
    });
    if (eventsOn) streams.setGlobalStateRestoreListener(new RestoreEvents(events));
    // A SIGTERM (the runner's timeout) still closes the client, so no transaction is left open.
    Thread hook = new Thread(() -> {
      boolean closed = streams.close(Duration.ofSeconds(10));
      if (eventsOn) events.emit(events.event("closed").put("clean", closed).put("records", progress.count));
    }, "bench-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);

    Thread reporter = new Thread(() -> {
      try {
        while (progress.done.getCount() > 0) {
          Thread.sleep(5000);
          System.err.println("[bench] processed " + progress.count + (expected > 0 ? " of " + expected : "") + " records");
        }
      } catch (InterruptedException e) {
        // the run is over
      }
    }, "bench-progress");
    reporter.setDaemon(true);

    streams.start();
    reporter.start();
    if (progress.positions != null) {
      Thread lag = new Thread(() -> LagWatch.watchLag(bootstrap, applicationId, inputs, lagPollMs, streams, progress, events), "bench-lag");
      lag.setDaemon(true);
      lag.start();
    }
    progress.done.await();
    long closeStarted = System.nanoTime();
    // A clean close commits every task: under exactly_once_v2 the last transaction is committed.
    boolean closed = streams.close(Duration.ofMillis(closeTimeoutMs));
    double closeMs = (System.nanoTime() - closeStarted) / 1e6;
    Runtime.getRuntime().removeShutdownHook(hook);

    Throwable error = failure.get();
    if (error != null) {
      System.err.println("[bench] Kafka Streams failed after " + progress.count + " records: " + error);
      error.printStackTrace();
      System.exit(2);
    }
    if (!closed) {
      System.err.println("[bench] Kafka Streams did not close within " + closeTimeoutMs + " ms: the last transaction may be open");
      System.exit(3);
    }
    double elapsedMs = (progress.lastNanos - progress.firstNanos) / 1e6;
    double cpuMs = (progress.lastCpuNanos - progress.firstCpuNanos) / 1e6;
    System.out.println(String.format(Locale.ROOT,
        "{\"records\":%d,\"elapsedMs\":%.3f,\"cpuMs\":%.3f,\"firstRecordAt\":%d,\"lastRecordAt\":%d,"
            + "\"cpuTotalMs\":%.3f,\"closeMs\":%.3f,\"mode\":\"%s\",\"guarantee\":\"%s\",\"store\":\"%s\",\"caching\":%b}",
        progress.count, elapsedMs, cpuMs, progress.firstAt, progress.lastAt, Cpu.nanos() / 1e6, closeMs, mode,
        guarantee, store, caching));
    System.out.flush();
    System.exit(0);
  }

  /** MODE as the first argument (or BENCH_MODE), then --name=value or --name value. */
  static Map<String, String> parse(String[] args) {
    Map<String, String> opts = new HashMap<>();
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        positional.add(a);
      } else if (a.contains("=")) {
        opts.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
      } else if (i + 1 < args.length) {
        opts.put(a.substring(2), args[++i]);
      } else {
        throw new IllegalArgumentException(a + " needs a value");
      }
    }
    if (!positional.isEmpty()) opts.put("mode", positional.get(0));
    else if (System.getenv("BENCH_MODE") != null) opts.putIfAbsent("mode", System.getenv("BENCH_MODE"));
    return opts;
  }

  static String require(Map<String, String> opts, String name) {
    String v = opts.get(name);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("missing " + (name.equals("mode") ? "MODE (first argument or BENCH_MODE)" : "--" + name));
    }
    return v;
  }

  private BenchApp() {}
}
