package dev.exactly.bench.flink;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The command line, the same shape as the Kafka Streams peer's BenchApp: MODE, then --name=value or --name value. */
record Options(
    String mode,
    String bootstrap,
    List<String> inputs,
    String output,
    long expected,
    String applicationId,
    String checkpointDir,
    boolean exactlyOnce,
    long checkpointIntervalMs,
    String state,
    int parallelism,
    long transactionTimeoutMs,
    long closeTimeoutMs,
    boolean recovery,
    String restoreFrom,
    long lagPollMs) {

  static final String USAGE = """
      usage: java -cp 'DIR/*:DIR/libs/*' dev.exactly.bench.flink.FlinkBenchApp MODE --bootstrap=HOST:PORT
        --input=TOPIC[,CREDITS] --output=TOPIC --expected=N --application-id=ID --checkpoint-dir=DIR
        [--guarantee=exactly_once|at_least_once] [--checkpoint-interval-ms=1000] [--state=hashmap|rocksdb]
        [--parallelism=1] [--transaction-timeout-ms=600000] [--close-timeout-ms=60000]
        [--recovery=true [--restore-from=CHECKPOINT_DIR] [--lag-poll-ms=20]]   (run until killed; no --expected)
      MODE (or the env BENCH_MODE): passthrough, keyed-count, windowed-count or bank (--input=COMMANDS,CREDITS)""";

  private static final List<String> MODES = List.of("passthrough", "keyed-count", "windowed-count", "bank");
  private static final Set<String> NAMES = Set.of("mode", "bootstrap", "input", "output", "expected", "application-id",
      "checkpoint-dir", "guarantee", "checkpoint-interval-ms", "state", "parallelism", "transaction-timeout-ms",
      "close-timeout-ms", "recovery", "restore-from", "lag-poll-ms");

  /** Throws IllegalArgumentException naming the first bad or missing argument. */
  static Options parse(String[] args) {
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
    for (String name : opts.keySet()) {
      if (!NAMES.contains(name)) throw new IllegalArgumentException("unknown option --" + name);
    }

    String mode = require(opts, "mode");
    if (!MODES.contains(mode)) throw new IllegalArgumentException("MODE must be one of " + MODES + ", not \"" + mode + "\"");
    List<String> inputs = List.of(require(opts, "input").split(","));
    if (mode.equals("bank") && inputs.size() != 2) throw new IllegalArgumentException("bank needs --input=COMMANDS,CREDITS");
    if (!mode.equals("bank") && inputs.size() != 1) throw new IllegalArgumentException(mode + " reads one input topic");
    String guarantee = opts.getOrDefault("guarantee", "exactly_once");
    if (!guarantee.equals("exactly_once") && !guarantee.equals("at_least_once")) {
      throw new IllegalArgumentException("--guarantee must be exactly_once or at_least_once, not \"" + guarantee + "\"");
    }
    String state = opts.getOrDefault("state", "hashmap");
    if (!state.equals("hashmap") && !state.equals("rocksdb")) {
      throw new IllegalArgumentException("--state must be hashmap or rocksdb, not \"" + state + "\"");
    }
    boolean recovery = opts.getOrDefault("recovery", "false").equals("true");
    if (recovery) opts.putIfAbsent("expected", Long.toString(Long.MAX_VALUE));
    if (!recovery && opts.containsKey("restore-from")) throw new IllegalArgumentException("--restore-from needs --recovery=true");
    return new Options(
        mode,
        require(opts, "bootstrap"),
        inputs,
        require(opts, "output"),
        positive(opts, "expected", null),
        require(opts, "application-id"),
        require(opts, "checkpoint-dir"),
        guarantee.equals("exactly_once"),
        positive(opts, "checkpoint-interval-ms", "1000"),
        state,
        (int) positive(opts, "parallelism", "1"),
        positive(opts, "transaction-timeout-ms", "600000"),
        positive(opts, "close-timeout-ms", "60000"),
        recovery,
        opts.get("restore-from"),
        positive(opts, "lag-poll-ms", "20"));
  }

  String guarantee() {
    return exactlyOnce ? "exactly_once" : "at_least_once";
  }

  private static String require(Map<String, String> opts, String name) {
    String v = opts.get(name);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("missing " + (name.equals("mode") ? "MODE (first argument or BENCH_MODE)" : "--" + name));
    }
    return v;
  }

  private static long positive(Map<String, String> opts, String name, String fallback) {
    String raw = fallback == null ? require(opts, name) : opts.getOrDefault(name, fallback);
    long n;
    try {
      n = Long.parseLong(raw);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n <= 0 || (name.equals("parallelism") && n > 64)) {
      String most = name.equals("parallelism") ? " up to 64" : "";
      throw new IllegalArgumentException("--" + name + " must be a positive integer" + most + ", not \"" + raw + "\"");
    }
    return n;
  }
}
