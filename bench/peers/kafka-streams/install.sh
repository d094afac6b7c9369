#!/usr/bin/env bash
# The Kafka Streams peer of the benchmark: kafka-streams jars from Maven Central (lib.sh's
# maven_jars, as for the broker) and BenchApp compiled with javac.
# Prints the directory of the peer's classpath: java -cp "$DIR/*:$DIR/libs/*" dev.exactly.bench.BenchApp
source "$(dirname "$0")/../../../stack/install/lib.sh"
KAFKA_VERSION="${KAFKA_VERSION:-4.3.1}"
HERE="$(cd "$(dirname "$0")" && pwd)"
# -r1: the revision of pom.xml's dependency list; bump it when the list changes.
DIR="$EXACTLY_CACHE/bench-kafka-streams-$KAFKA_VERSION-r1"
# The compiled app is keyed by its sources, so an edited BenchApp.java is rebuilt (in seconds).
SRC_HASH="$(cd "$HERE" && find src -name '*.java' | sort | xargs sha256sum | sha256sum | cut -c1-12)"
APP="$DIR/app-$SRC_HASH"

fetch() {
  maven_jars "$HERE/pom.xml" "$KAFKA_VERSION" "$1" "kafka-streams-$KAFKA_VERSION.jar"
}

compile() {
  local out="$1"
  command -v javac >/dev/null || die "javac not found: the Kafka Streams peer needs a JDK 17+"
  mkdir -p "$out/classes"
  (cd "$HERE" && find src -name '*.java' -print0 | xargs -0 javac --release 17 -Xlint:all,-options \
    -cp "$DIR/libs/*" -d "$out/classes") >&2
  jar cf "$out/bench-peer.jar" -C "$out/classes" .
  rm -rf "$out/classes"
  ln -s ../libs "$out/libs"
}

build_once "$DIR/libs" .complete fetch "kafka-streams $KAFKA_VERSION: fetching jars from Maven Central (first time only)"
build_once "$APP" bench-peer.jar compile "kafka-streams peer: compiling BenchApp ($SRC_HASH)"
echo "$APP"
