#!/usr/bin/env bash
# The Flink peer of the benchmark: Flink and its Kafka connector from Maven Central (lib.sh's
# maven_jars, as for the Kafka Streams peer) and FlinkBenchApp compiled with javac.
# Prints the directory of the peer's classpath:
#   java -cp "$DIR/*:$DIR/libs/*" dev.exactly.bench.flink.FlinkBenchApp
source "$(dirname "$0")/../../../stack/install/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
# The versions are pom.xml's (one place); the jars are keyed by them and by a hash of pom.xml, so
# an edited dependency list is fetched again without a revision number to bump by hand.
pom_property() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$HERE/pom.xml"; }
FLINK_VERSION="$(pom_property flink.version)"
CONNECTOR_VERSION="$(pom_property flink-kafka.version)"
[[ -n "$FLINK_VERSION" && -n "$CONNECTOR_VERSION" ]] || die "cannot read the Flink versions from $HERE/pom.xml"
POM_HASH="$(sha256sum "$HERE/pom.xml" | cut -c1-8)"
DIR="$EXACTLY_CACHE/bench-flink-$FLINK_VERSION-kafka-$CONNECTOR_VERSION-$POM_HASH"
# The compiled app is keyed by its sources, so an edited FlinkBenchApp.java is rebuilt (in seconds).
SRC_HASH="$(cd "$HERE" && find src -name '*.java' | sort | xargs sha256sum | sha256sum | cut -c1-12)"
APP="$DIR/app-$SRC_HASH"

fetch() {
  # maven_jars passes its version as -Dkafka.version, which this pom does not use: the versions
  # above are the pom's own. The connector's jar is the last to resolve, so it marks a full fetch.
  maven_jars "$HERE/pom.xml" "$FLINK_VERSION" "$1" "flink-connector-kafka-$CONNECTOR_VERSION.jar"
  # Two LZ4 jars would put two copies of net.jpountz.lz4 on the classpath (Flink 2.2.0's
  # org.lz4:lz4-java next to kafka-clients' at.yawk.lz4:lz4-java): whichever loads first wins.
  local lz4
  lz4="$(find "$1" -name 'lz4-java-*.jar' | wc -l)"
  [[ "$lz4" -le 1 ]] || die "$lz4 lz4-java jars in the Flink peer's classpath; keep one (see pom.xml)"
}

compile() {
  local out="$1"
  command -v javac >/dev/null || die "javac not found: the Flink peer needs a JDK 17+"
  mkdir -p "$out/classes"
  (cd "$HERE" && find src -name '*.java' -print0 | xargs -0 javac --release 17 -Xlint:all,-options,-serial,-processing \
    -cp "$DIR/libs/*" -d "$out/classes") >&2
  jar cf "$out/bench-peer.jar" -C "$out/classes" .
  rm -rf "$out/classes"
  ln -s ../libs "$out/libs"
}

build_once "$DIR/libs" .complete fetch "flink $FLINK_VERSION (kafka connector $CONNECTOR_VERSION): fetching jars from Maven Central (first time only)"
build_once "$APP" bench-peer.jar compile "flink peer: compiling FlinkBenchApp ($SRC_HASH)"
echo "$APP"
