/*
 * Reads topics to their end with Apache Kafka's own Java consumer (isolation.level=read_committed),
 * the reference implementation of read_committed, for the audits of test/integration/helpers/
 * committed-reader.ts: it shares no code with the worker's fetch path (runtime/kafka/) nor with
 * kafkajs. Every partition is assigned (no group), read from its beginning until the consumer's
 * position reaches the end offset it had when the read started (for read_committed, the last
 * stable offset). Prints one JSON line per record, {"t":topic,"p":partition,"o":offset,"k":key,"ts":timestamp,
 * "v":value} with key and value as UTF-8 text or null. Exits 2 if the end is not reached within
 * the time-out.
 *
 *   java -cp <kafka-clients and slf4j-api jars> ReadCommitted.java BOOTSTRAP TIMEOUT_MS TOPIC...
 */
import java.io.BufferedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public class ReadCommitted {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    long deadline = System.currentTimeMillis() + Long.parseLong(args[1]);
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("isolation.level", "read_committed");
    props.put("enable.auto.commit", "false");
    props.put("client.id", "exactly-audit-java");
    props.put("max.poll.records", "10000");
    props.put("key.deserializer", ByteArrayDeserializer.class.getName());
    props.put("value.deserializer", ByteArrayDeserializer.class.getName());
    PrintStream out = new PrintStream(new BufferedOutputStream(System.out, 1 << 16), false, StandardCharsets.UTF_8);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int i = 2; i < args.length; i++) {
        for (PartitionInfo info : consumer.partitionsFor(args[i], Duration.ofSeconds(30))) {
          partitions.add(new TopicPartition(args[i], info.partition()));
        }
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (!reachedEnd(consumer, partitions, end)) {
        if (System.currentTimeMillis() > deadline) {
          StringBuilder where = new StringBuilder();
          for (TopicPartition tp : partitions) {
            where.append(' ').append(tp).append(": at ").append(consumer.position(tp)).append(" of ").append(end.get(tp));
          }
          out.flush();
          System.err.println("Cannot read to the end in time:" + where);
          System.exit(2);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) continue;
          out.print("{\"t\":");
          out.print(json(r.topic().getBytes(StandardCharsets.UTF_8)));
          out.print(",\"p\":");
          out.print(r.partition());
          out.print(",\"o\":\"");
          out.print(r.offset());
          out.print("\",\"k\":");
          out.print(json(r.key()));
          out.print(",\"v\":");
          out.print(json(r.value()));
          out.print(",\"ts\":");
          out.print(r.timestamp());
          out.print("}\n");
        }
      }
    }
    out.flush();
  }

  private static boolean reachedEnd(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions, Map<TopicPartition, Long> end) {
    for (TopicPartition tp : partitions) {
      if (consumer.position(tp) < end.get(tp)) return false;
    }
    return true;
  }

  private static String json(byte[] bytes) {
    if (bytes == null) return "null";
    String text = new String(bytes, StandardCharsets.UTF_8);
    StringBuilder s = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') s.append('\\').append(c);
      else if (c < 0x20) s.append(String.format("\\u%04x", (int) c));
      else s.append(c);
    }
    return s.append('"').toString();
  }
}
