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

/** examples/bank-transfers/job.ts, record for record: balances per account, credits through Kafka. */
final class Bank implements Processor<String, String, String, String> {
  static final String EVENTS = "events";
  static final String CREDITS = "credits";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Progress progress;
  private ProcessorContext<String, String> ctx;
  private KeyValueStore<String, Long> balances;

  Bank(Progress progress) {
    this.progress = progress;
  }

  @Override
  public void init(ProcessorContext<String, String> context) {
    ctx = context;
    balances = context.getStateStore(Topologies.STORE);
  }

  @Override
  public void process(Record<String, String> record) {
    JsonNode command;
    try {
      command = JSON.readTree(record.value() == null ? "" : record.value());
    } catch (Exception e) {
      throw new IllegalArgumentException("not JSON: " + String.valueOf(record.value()), e);
    }
    if (command == null || !command.path("id").isTextual()) throw new IllegalArgumentException("command without a string \"id\"");
    String id = command.get("id").asText();
    String type = command.path("type").asText("");
    switch (type) {
      case "deposit", "credit" -> apply(record, text(command, "account", id), amount(command, id), type, id);
      case "transfer" -> {
        String from = text(command, "from", id);
        String to = text(command, "to", id);
        long amount = amount(command, id);
        long available = balance(from);
        if (available < amount) {
          emitEvent(record, "rejected", from, amount, available, id);
        } else {
          apply(record, from, -amount, "debit", id);
          ObjectNode credit = JSON.createObjectNode();
          credit.put("type", "credit").put("id", id).put("account", to).put("amount", amount);
          ctx.forward(record.withKey(to).withValue(credit.toString()), CREDITS);
        }
      }
      default -> throw new IllegalArgumentException("invalid command " + id
          + ": expected a deposit, transfer or credit with a positive integer amount");
    }
    progress.record(ctx);
  }

  private long balance(String account) {
    Long b = balances.get(account);
    return b == null ? 0 : b;
  }

  private void apply(Record<String, String> record, String account, long delta, String kind, String cause) {
    long balance = balance(account) + delta;
    balances.put(account, balance);
    emitEvent(record, kind, account, Math.abs(delta), balance, cause);
  }

  private void emitEvent(Record<String, String> record, String kind, String account, long amount, long balance, String cause) {
    ObjectNode event = JSON.createObjectNode();
    event.put("kind", kind).put("account", account).put("amount", amount).put("balance", balance).put("cause", cause);
    ctx.forward(record.withKey(account).withValue(event.toString()), EVENTS);
  }

  private static String text(JsonNode command, String field, String id) {
    JsonNode v = command.get(field);
    if (v == null || !v.isTextual()) throw new IllegalArgumentException("invalid command " + id + ": no string \"" + field + "\"");
    return v.asText();
  }

  private static long amount(JsonNode command, String id) {
    JsonNode v = command.get("amount");
    if (v == null || !v.isIntegralNumber() || v.asLong() <= 0) {
      throw new IllegalArgumentException("invalid command " + id + ": \"amount\" must be a positive integer");
    }
    return v.asLong();
  }
}
