package dev.exactly.bench.flink;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts processed input records over every task thread of the MiniCluster; the first and the
 * expected-th are timed (wall and CPU). Static because Flink serializes the job's functions and
 * builds its own instances in the task threads: they all run in this JVM, with the application
 * class loader (a local job has no user jars), so they share these fields with main.
 */
final class Progress {
  static final CountDownLatch done = new CountDownLatch(1);
  private static final AtomicLong count = new AtomicLong();
  private static final AtomicLong read = new AtomicLong();
  /** The next offset of each input partition the source has read (the recovery mode's lag). */
  static final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
  /** Recovery mode: the first record processed is an event. */
  static volatile boolean events;
  /** Set by main before the job starts (the tasks read it after their threads are started). */
  private static volatile long expected = Long.MAX_VALUE;
  // Written once each, under the class lock: with parallelism 2 the first and the expected-th
  // record may be counted by different task threads; main reads them under the same lock.
  private static long firstAt, lastAt, firstNanos, lastNanos, firstCpuNanos, lastCpuNanos;

  static void expect(long records) {
    expected = records;
  }

  /** One input record processed by the job (after its state update and output). */
  static void record() {
    long n = count.incrementAndGet();
    if (n == 1) {
      stampFirst();
      if (events) Recovery.firstRecord();
    }
    if (n == expected) stampLast();
  }

  static long count() {
    return count.get();
  }

  /** One input record read by the source, at `offset` of its partition. */
  static void read(String topic, int partition, long offset) {
    read.incrementAndGet();
    positions.put(new TopicPartition(topic, partition), offset + 1);
  }

  static long read() {
    return read.get();
  }

  private static synchronized void stampFirst() {
    firstAt = System.currentTimeMillis();
    firstNanos = System.nanoTime();
    firstCpuNanos = cpuNanos();
  }

  private static synchronized void stampLast() {
    lastAt = System.currentTimeMillis();
    lastNanos = System.nanoTime();
    lastCpuNanos = cpuNanos();
    done.countDown();
  }

  /** The figures of the processing window, as BenchApp (the Kafka Streams peer) prints them. */
  static synchronized Window window() {
    return new Window(count.get(), (lastNanos - firstNanos) / 1e6, (lastCpuNanos - firstCpuNanos) / 1e6, firstAt, lastAt);
  }

  record Window(long records, double elapsedMs, double cpuMs, long firstAt, long lastAt) {}

  /** CPU time of this process, all threads (task threads, Kafka clients, checkpoints, GC, JIT). */
  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private Progress() {}
}
