package dev.exactly.bench.flink;

import java.io.File;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Flink peer of the benchmark: the same jobs as ours (passthrough, keyed count, windowed count,
 * bank transfers) in the DataStream API, run as one job in a local MiniCluster inside this JVM
 * until an expected number of input records has been processed, then stopped with a savepoint
 * (so the last transaction is committed), then one JSON line of figures on stdout. Logs go to
 * stderr. The command line is the Kafka Streams peer's (BenchApp); see {@link Options#USAGE}.
 *
 * How the run ends. Flink commits a checkpoint's Kafka transaction when the checkpoint completes;
 * records written after the last periodic checkpoint sit in an open transaction. Stop-with-savepoint
 * without drain (stopWithSavepoint(false, …)) takes one last synchronous savepoint: the sink
 * pre-commits, every task waits for the savepoint's completion notice, the committer commits, and
 * only then do the tasks finish. Without drain no MAX_WATERMARK is sent, so windows that have not
 * closed stay open and unemitted, as in ours and Kafka Streams. The windowed count first waits
 * until the last watermark has reached the window operator (TrackedWatermarks, WatermarkProbe):
 * a watermark is emitted periodically (every 200 ms), after the record that raised it.
 *
 * Exit codes: 0 done; 2 the job failed (no restarts: a failure ends the run); 3 the stop did not
 * finish within --close-timeout-ms; 64 bad arguments.
 */
public final class FlinkBenchApp {
  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("[bench] " + e.getMessage());
      System.err.println(Options.USAGE);
      System.exit(64);
      return;
    }
    Progress.expect(o.expected());
    Progress.events = o.recovery();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration(o));
    Jobs.build(env, o);
    JobClient job = env.executeAsync("exactly bench " + o.mode());
    CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
    // A SIGTERM (the runner's timeout, the recovery row's stop) cancels the job, which aborts its
    // open transactions.
    Thread hook = new Thread(() -> {
      try {
        job.cancel().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // the JVM is going down either way
      }
    }, "bench-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    if (o.recovery()) {
      Recovery.run(o, job, result);
      return;
    }
    // An unbounded job only ends by failing (or by our stop): main must not wait for records then.
    result.whenComplete((r, error) -> Progress.done.countDown());
    startReporter(o.expected());

    Progress.done.await();
    if (result.isDone()) fail(o, result);
    long closeStarted = System.nanoTime();
    long deadline = closeStarted + TimeUnit.MILLISECONDS.toNanos(o.closeTimeoutMs());
    if (o.mode().equals("windowed-count")) awaitFinalWatermark(o, result, deadline);
    double watermarkWaitMs = (System.nanoTime() - closeStarted) / 1e6;
    String savepointDir = new File(o.checkpointDir(), "savepoints").toURI().toString();
    try {
      job.stopWithSavepoint(false, savepointDir, SavepointFormatType.CANONICAL).get(remainingMs(deadline), TimeUnit.MILLISECONDS);
      result.get(remainingMs(deadline), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      System.err.println("[bench] Flink did not stop within " + o.closeTimeoutMs() + " ms: the last transaction may be open");
      System.exit(3);
    } catch (ExecutionException e) {
      if (result.isDone()) fail(o, result);
      System.err.println("[bench] stop-with-savepoint failed after " + Progress.count() + " records: " + e.getCause());
      e.printStackTrace();
      System.exit(2);
    }
    double closeMs = (System.nanoTime() - closeStarted) / 1e6;
    Runtime.getRuntime().removeShutdownHook(hook);

    Progress.Window w = Progress.window();
    System.out.println(String.format(Locale.ROOT,
        "{\"records\":%d,\"elapsedMs\":%.3f,\"cpuMs\":%.3f,\"firstRecordAt\":%d,\"lastRecordAt\":%d,"
            + "\"cpuTotalMs\":%.3f,\"closeMs\":%.3f,\"watermarkWaitMs\":%.3f,\"mode\":\"%s\",\"guarantee\":\"%s\","
            + "\"store\":\"%s\",\"parallelism\":%d,\"checkpointIntervalMs\":%d}",
        w.records(), w.elapsedMs(), w.cpuMs(), w.firstAt(), w.lastAt(), Progress.cpuNanos() / 1e6, closeMs,
        watermarkWaitMs, o.mode(), o.guarantee(), o.state(), o.parallelism(), o.checkpointIntervalMs()));
    System.out.flush();
    System.exit(0);
  }

  /** Flink 2.x takes all of this as configuration (env.setStateBackend and friends are gone). */
  static Configuration configuration(Options o) {
    Configuration conf = new Configuration();
    conf.set(CoreOptions.DEFAULT_PARALLELISM, o.parallelism());
    conf.set(StateBackendOptions.STATE_BACKEND, o.state());
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(o.checkpointIntervalMs()));
    conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
        o.exactlyOnce() ? CheckpointingMode.EXACTLY_ONCE : CheckpointingMode.AT_LEAST_ONCE);
    // Checkpoints on local disk (the run's directory), as the worker's go to the stack's S3.
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, new File(o.checkpointDir(), "checkpoints").toURI().toString());
    // What RocksDB users run: a checkpoint uploads only the new SST files, not the whole store.
    conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, o.state().equals("rocksdb"));
    // RocksDB's working files and Flink's spill files in the run's directory, which the caller removes.
    File tmp = new File(o.checkpointDir(), "tmp");
    if (!tmp.isDirectory() && !tmp.mkdirs()) throw new IllegalStateException("cannot create " + tmp);
    conf.set(CoreOptions.TMP_DIRS, tmp.getAbsolutePath());
    // A restart would replay records the counters already counted: a failure ends the run instead.
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    if (o.recovery()) {
      // Kept after the job ends too (a SIGKILLed JVM deletes nothing anyway); the next JVM starts from one.
      conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
      if (o.restoreFrom() != null) conf.set(StateRecoveryOptions.SAVEPOINT_PATH, o.restoreFrom());
    }
    return conf;
  }

  /**
   * Waits until the windows have seen the watermark of every partition's last record: then every
   * window that closes at the end of this input has been fired into the sink.
   */
  private static void awaitFinalWatermark(Options o, CompletableFuture<JobExecutionResult> result, long deadline)
      throws InterruptedException {
    while (TrackedWatermarks.events() < o.expected()) {
      pause(o, result, deadline, "the watermark generators to see every record");
    }
    long watermark = TrackedWatermarks.finalWatermark();
    while (!WatermarkProbe.reached(watermark, o.parallelism())) {
      pause(o, result, deadline, "watermark " + watermark + " at the windows");
    }
  }

  private static void pause(Options o, CompletableFuture<JobExecutionResult> result, long deadline, String what)
      throws InterruptedException {
    if (result.isDone()) fail(o, result);
    if (System.nanoTime() > deadline) {
      System.err.println("[bench] gave up waiting for " + what);
      System.exit(3);
    }
    Thread.sleep(5);
  }

  private static long remainingMs(long deadline) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }

  /** The job ended before the expected records were processed: say why, exit 2. */
  private static void fail(Options o, CompletableFuture<JobExecutionResult> result) {
    try {
      result.get();
      System.err.println("[bench] the Flink job ended after " + Progress.count() + " of " + o.expected() + " records");
    } catch (Exception e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      System.err.println("[bench] the Flink job failed after " + Progress.count() + " records: " + cause);
      cause.printStackTrace();
    }
    System.exit(2);
  }

  private static void startReporter(long expected) {
    Thread reporter = new Thread(() -> {
      try {
        while (Progress.done.getCount() > 0) {
          Thread.sleep(5000);
          System.err.println("[bench] processed " + Progress.count() + " of " + expected + " records");
        }
      } catch (InterruptedException e) {
        // the run is over
      }
    }, "bench-progress");
    reporter.setDaemon(true);
    reporter.start();
  }

  private FlinkBenchApp() {}
}
