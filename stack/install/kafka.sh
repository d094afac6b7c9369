#!/usr/bin/env bash
# Apache Kafka broker jars from Maven Central (no tarball download: only the registry is reachable).
source "$(dirname "$0")/lib.sh"
KAFKA_VERSION="${KAFKA_VERSION:-4.3.1}"
# -r2: the classpath revision (r2 declares slf4j-api 2.x so the broker's log reaches its log file).
DIR="$EXACTLY_CACHE/kafka-$KAFKA_VERSION-r2"
POM="$(cd "$(dirname "$0")" && pwd)/kafka/pom.xml"

build() {
  local out="$1"
  command -v java >/dev/null || die "java not found: Kafka $KAFKA_VERSION needs a Java 17+ runtime"
  maven_jars "$POM" "$KAFKA_VERSION" "$out/libs" "kafka_2.13-$KAFKA_VERSION.jar"
}

build_once "$DIR" libs/.complete build "kafka $KAFKA_VERSION: fetching broker jars from Maven Central (first time only)"
echo "$DIR/libs"
