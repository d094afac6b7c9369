#!/usr/bin/env bash
# etcd built from the Go module proxy. Debian's etcd 3.4 lacks the watch-progress
# feature that kube-apiserver >= 1.35 needs for consistent watches, so we build 3.6.
source "$(dirname "$0")/lib.sh"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
DIR="$EXACTLY_CACHE/etcd-$ETCD_VERSION"

build() {
  local out="$1" src="$1/src"
  mkdir -p "$src" "$out/bin"
  # server/go.mod has replace lines for its sibling modules, so `go install` refuses it;
  # a tiny wrapper module that imports etcdmain works.
  cat > "$src/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$src" && go mod init exactly.local/etcdbin >/dev/null 2>&1 \
    && go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" \
    && go mod tidy \
    && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/bin/etcd" .)
}

build_once "$DIR" bin/etcd build "etcd $ETCD_VERSION: building from the Go module proxy (first time only)"
echo "$DIR/bin"
