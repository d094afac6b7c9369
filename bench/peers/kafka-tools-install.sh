#!/usr/bin/env bash
# Kafka's own perf tools (org.apache.kafka.tools.ProducerPerformance, ConsumerPerformance,
# TopicCommand) with their runtime dependencies, from Maven Central: the broker's ceiling.
# Prints the directory of jars: java -cp "$DIR/*" org.apache.kafka.tools.ProducerPerformance ...
source "$(dirname "$0")/../../stack/install/lib.sh"
KAFKA_VERSION="${KAFKA_VERSION:-4.3.1}"
# -r1: the revision of kafka-tools/pom.xml's dependency list; bump it when the list changes.
DIR="$EXACTLY_CACHE/bench-kafka-tools-$KAFKA_VERSION-r1"
POM="$(cd "$(dirname "$0")" && pwd)/kafka-tools/pom.xml"

fetch() {
  local out="$1"
  command -v java >/dev/null || die "java not found: Kafka's tools need a Java 17+ runtime"
  maven_jars "$POM" "$KAFKA_VERSION" "$out/libs" "kafka-tools-$KAFKA_VERSION.jar"
}

build_once "$DIR" libs/.complete fetch "kafka-tools $KAFKA_VERSION: fetching jars from Maven Central (first time only)"
echo "$DIR/libs"
