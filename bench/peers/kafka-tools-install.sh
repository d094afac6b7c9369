#!/usr/bin/env bash
# Kafka's own perf tools (org.apache.kafka.tools.ProducerPerformance, ConsumerPerformance,
# TopicCommand) with their runtime dependencies, from Maven Central: the broker's ceiling.
# Prints the directory of jars: java -cp "$DIR/*" org.apache.kafka.tools.ProducerPerformance ...
source "$(dirname "$0")/../../stack/install/lib.sh"
KAFKA_VERSION="${KAFKA_VERSION:-4.3.1}"

# Cached in bench-kafka-tools-<version>-r1: -r1 is the revision of kafka-tools/pom.xml's
# dependency list; bump it when the list changes.
maven_libs "$EXACTLY_CACHE/bench-kafka-tools-$KAFKA_VERSION-r1" "$(cd "$(dirname "$0")" && pwd)/kafka-tools/pom.xml" \
  "$KAFKA_VERSION" "kafka-tools-$KAFKA_VERSION.jar" "Kafka's tools need" \
  "kafka-tools $KAFKA_VERSION: fetching jars from Maven Central (first time only)"
