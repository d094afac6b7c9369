#!/usr/bin/env bash
# Apache Kafka broker jars from Maven Central (no tarball download: only the registry is reachable).
source "$(dirname "$0")/lib.sh"
KAFKA_VERSION="${KAFKA_VERSION:-4.3.1}"

# Cached in kafka-<version>-r2: -r2 is the classpath revision (r2 declares slf4j-api 2.x so the
# broker's log reaches its log file).
maven_libs "$EXACTLY_CACHE/kafka-$KAFKA_VERSION-r2" "$(cd "$(dirname "$0")" && pwd)/kafka/pom.xml" \
  "$KAFKA_VERSION" "kafka_2.13-$KAFKA_VERSION.jar" "Kafka $KAFKA_VERSION needs" \
  "kafka $KAFKA_VERSION: fetching broker jars from Maven Central (first time only)"
