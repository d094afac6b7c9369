#!/usr/bin/env bash
# SeaweedFS (`weed`), the S3-compatible server, built from the Go module proxy.
# Its release tags ("4.xx") are not semver, so only a pseudo-version resolves; this one is
# a commit of 2026-11-09, newer than 4.30, the first release with atomic conditional writes
# (If-None-Match / If-Match evaluated inside the filer's create), which head CAS relies on.
source "$(dirname "$0")/lib.sh"
SEAWEEDFS_VERSION="${SEAWEEDFS_VERSION:-v0.0.0-20261109003541-7506e5f91cd6}"
DIR="$EXACTLY_CACHE/seaweedfs-$SEAWEEDFS_VERSION"

build() {
  local out="$1" src="$1/src"
  mkdir -p "$src" "$out/bin"
  (
    cd "$src"
    go mod init exactly.local/weedbin >/dev/null 2>&1
    # The upstream go.mod's replace lines do not apply to a dependent module: copy them.
    local mod
    go mod download "github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION"
    mod="$(go env GOMODCACHE)/cache/download/github.com/seaweedfs/seaweedfs/@v/$SEAWEEDFS_VERSION.mod"
    grep -E '^replace [^ ]+ => [^ ]+ v' "$mod" | while read -r _ from _ to ver; do
      go mod edit "-replace=$from=$to@$ver"
    done
    cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/seaweedfs/seaweedfs/weed"
GO
    go get "github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION"
    go mod tidy
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/bin/weed" github.com/seaweedfs/seaweedfs/weed
  )
  rm -rf "$src"
}

build_once "$DIR" bin/weed build "seaweedfs $SEAWEEDFS_VERSION: building weed from the Go module proxy (first time only, ~10-20 min)"
echo "$DIR/bin"
