# Shared helpers for the install scripts. Every component is cached outside the clone,
# keyed by version, so a second run (and CI on the same machine) reuses it.
set -euo pipefail

EXACTLY_CACHE="${EXACTLY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/exactly}"
mkdir -p "$EXACTLY_CACHE"

log() { printf '[install] %s\n' "$*" >&2; }
die() { printf '[install] error: %s\n' "$*" >&2; exit 1; }

# Copy the runtime dependencies a pom lists (a dependency list, no code) from Maven Central into
# <dir>, and mark <dir> complete only if <jar> is among them (a resolve that half-failed is not).
# usage: maven_jars <pom> <kafka-version> <dir> <jar>
maven_jars() {
  local pom="$1" version="$2" out="$3" jar="$4"
  command -v mvn >/dev/null || die "mvn not found: it fetches $jar and its dependencies from Maven Central"
  mvn -B -q -f "$pom" "-Dkafka.version=$version" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime "-DoutputDirectory=$out" >&2
  if ls "$out" | grep -qxF "$jar"; then touch "$out/.complete"; fi
}

# The jars <pom> lists at Kafka <kafka-version>, fetched once into <dir>/libs (maven_jars under
# build_once, after checking for a Java runtime); prints <dir>/libs.
# usage: maven_libs <dir> <pom> <kafka-version> <jar> <what-needs-java> <what-to-say>
maven_libs() {
  MAVEN_LIBS_ARGS=("$2" "$3" "$4" "$5")
  build_once "$1" libs/.complete _maven_libs_fetch "$6"
  echo "$1/libs"
}
_maven_libs_fetch() {
  local pom="${MAVEN_LIBS_ARGS[0]}" version="${MAVEN_LIBS_ARGS[1]}" jar="${MAVEN_LIBS_ARGS[2]}"
  command -v java >/dev/null || die "java not found: ${MAVEN_LIBS_ARGS[3]} a Java 17+ runtime"
  maven_jars "$pom" "$version" "$1/libs" "$jar"
}

# Run a build into a temporary directory and move it into place only when it succeeded,
# so an interrupted build never leaves a half-filled cache entry that looks complete.
# usage: build_once <final-dir> <marker-file-inside> <function-name> <what-to-say>
build_once() {
  local final="$1" marker="$2" fn="$3" what="$4"
  if [[ -e "$final/$marker" ]]; then return 0; fi
  log "$what"
  BUILD_TMP="$final.tmp.$$"
  rm -rf "$BUILD_TMP"; mkdir -p "$BUILD_TMP"
  # Called plainly (not inside `if`) so that `set -e` stops the build at its first error;
  # the trap removes the half-built directory on the way out.
  trap 'rm -rf "$BUILD_TMP"' EXIT
  local started=$SECONDS
  "$fn" "$BUILD_TMP"
  [[ -e "$BUILD_TMP/$marker" ]] || die "building $(basename "$final") produced no $marker"
  rm -rf "$final"; mv "$BUILD_TMP" "$final"
  trap - EXIT
  log "$(basename "$final") ready in $((SECONDS - started))s"
}
