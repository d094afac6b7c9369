#!/usr/bin/env bash
# kind (Kubernetes in Docker) built from the Go module proxy, for `make kind-up`.
source "$(dirname "$0")/lib.sh"
KIND_VERSION="${KIND_VERSION:-0.30.0}"
DIR="$EXACTLY_CACHE/kind-$KIND_VERSION"

build() {
  local out="$1"
  command -v go >/dev/null || die "go not found: kind $KIND_VERSION is built with the Go toolchain"
  mkdir -p "$out/bin"
  GOBIN="$out/bin" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kind@v$KIND_VERSION"
}

build_once "$DIR" bin/kind build "kind $KIND_VERSION: building from the Go module proxy (first time only)"
echo "$DIR/bin"
