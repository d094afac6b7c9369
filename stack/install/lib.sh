# Shared helpers for the install scripts. Every component is cached outside the clone,
# keyed by version, so a second run (and CI on the same machine) reuses it.
set -euo pipefail

EXACTLY_CACHE="${EXACTLY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/exactly}"
mkdir -p "$EXACTLY_CACHE"

log() { printf '[install] %s\n' "$*" >&2; }
die() { printf '[install] error: %s\n' "$*" >&2; exit 1; }

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
