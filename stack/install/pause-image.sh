#!/usr/bin/env bash
# The pod sandbox ("pause") image the real node's containerd runs for every pod, built here (no
# registry reachable): a static C program that sleeps until SIGTERM/SIGINT and reaps the children
# it inherits, packed by buildah as an OCI archive. Prints two lines: its reference and archive.
source "$(dirname "$0")/lib.sh"
bash "$(dirname "$0")/node-packages.sh"
VERSION=1
REF="localhost/exactly-pause:$VERSION"
DIR="$EXACTLY_CACHE/pause-image-$VERSION"
STORE="$EXACTLY_CACHE/containers"
buildah() { command buildah --root "$STORE/storage" --runroot "$STORE/run" --storage-driver overlay "$@"; }

build() {
  local out="$1"
  command -v gcc >/dev/null || die "gcc not found: the pause binary is a static C program"
  cat >"$out/pause.c" <<'C'
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
static void stop(int sig) { (void)sig; _exit(0); }
static void reap(int sig) { (void)sig; while (waitpid(-1, NULL, WNOHANG) > 0) {} }
int main(void) {
  signal(SIGINT, stop);
  signal(SIGTERM, stop);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
C
  gcc -static -Os -s -o "$out/pause" "$out/pause.c"
  local ctr
  ctr="$(buildah from scratch)"
  buildah copy "$ctr" "$out/pause" /pause >/dev/null
  buildah config --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
  buildah commit --rm -q "$ctr" "$REF" >/dev/null
  buildah push -q "$REF" "oci-archive:$out/pause.oci.tar:$REF" >&2
}

build_once "$DIR" pause.oci.tar build "pause image $REF (first time only)"
printf '%s\n%s\n' "$REF" "$DIR/pause.oci.tar"
