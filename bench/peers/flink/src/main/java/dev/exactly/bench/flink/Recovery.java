package dev.exactly.bench.flink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * The recovery row's mode (--recovery=true): the job runs until the process is killed, its
 * checkpoints retained on disk (a SIGKILLed JVM deletes nothing), and a new JVM started with
 * --restore-from=CHECKPOINT resumes from one, as a Flink deployment restarts a job from its latest
 * retained checkpoint. One {@code event {json}} line on stdout per moment the bench times, with the
 * JVM's wall clock in {@code at}: {@code job-running} (the job reached RUNNING), {@code first-record}
 * (the first input record processed), {@code lag} (every second and at each change) and
 * {@code caught-up} (the first time every record in the input, as its last stable offsets said
 * just before, has been read by the source and processed by the job), as the Kafka Streams peer's
 * LagWatch does.
 */
final class Recovery {
  private static final ObjectMapper JSON = new ObjectMapper();

  static ObjectNode event(String name) {
    return JSON.createObjectNode().put("event", name).put("at", System.currentTimeMillis());
  }

  static synchronized void emit(ObjectNode event) {
    System.out.println("event " + event);
    System.out.flush();
  }

  /** Runs until the JVM is killed; exits 2 if the job ends by itself (it failed). */
  static void run(Options o, JobClient job, CompletableFuture<JobExecutionResult> result) throws Exception {
    result.whenComplete((r, error) -> {
      System.err.println("[bench] the Flink job ended: " + (error == null ? "finished" : error));
      System.exit(2);
    });
    while (job.getJobStatus().get() != JobStatus.RUNNING) Thread.sleep(5);
    emit(event("job-running"));
    watchLag(o);
  }

  /** Progress.record() calls this for the first record processed. */
  static void firstRecord() {
    emit(event("first-record"));
  }

  private static void watchLag(Options o) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap()))) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      admin.describeTopics(o.inputs()).allTopicNames().get().forEach((topic, d) ->
          d.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
      ListOffsetsOptions committedOnly = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);
      boolean wasZero = false;
      boolean caughtUp = false;
      long printedAt = 0;
      while (true) {
        try {
          var ends = admin.listOffsets(latest, committedOnly).all().get();
          Map<TopicPartition, Long> positions = new HashMap<>(Progress.positions);
          long read = Progress.read();
          long processed = Progress.count();
          if (!positions.keySet().containsAll(latest.keySet())) {
            // Partitions the source has not read from yet: where the last checkpoint committed them.
            Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(o.applicationId()).partitionsToOffsetAndMetadata().get();
            committed.forEach((tp, c) -> {
              if (c != null) positions.putIfAbsent(tp, c.offset());
            });
          }
          long lag = 0;
          for (var end : ends.entrySet()) lag += Math.max(0, end.getValue().offset() - positions.getOrDefault(end.getKey(), 0L));
          long now = System.currentTimeMillis();
          boolean zero = lag == 0 && processed > 0 && processed == read;
          if (zero != wasZero || now - printedAt >= 1000) {
            emit(event("lag").put("lag", lag).put("read", read).put("records", processed));
            printedAt = now;
          }
          if (zero && !caughtUp) emit(event("caught-up").put("records", processed));
          caughtUp |= zero;
          wasZero = zero;
        } catch (ExecutionException e) {
          emit(event("lag-error").put("error", String.valueOf(e.getCause())));
        }
        Thread.sleep(o.lagPollMs());
      }
    }
  }

  private Recovery() {}
}
