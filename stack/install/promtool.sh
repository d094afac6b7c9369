#!/usr/bin/env bash
# promtool, Prometheus' own rule checker and rule unit-test runner, built from the Go module
# proxy (Prometheus v3.x is published there as v0.3xx.y). make test runs it on the chart's
# PrometheusRule (test/integration/chart/alert-rules.it.test.ts).
source "$(dirname "$0")/lib.sh"
PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-v0.316.0}"
DIR="$EXACTLY_CACHE/promtool-$PROMETHEUS_VERSION"

build() {
  local out="$1" src="$1/src"
  mkdir -p "$src" "$out/bin"
  (
    cd "$src"
    go mod init exactly.local/promtool >/dev/null 2>&1
    local mod
    go mod download "github.com/prometheus/prometheus@$PROMETHEUS_VERSION"
    mod="$(go env GOMODCACHE)/cache/download/github.com/prometheus/prometheus/@v/$PROMETHEUS_VERSION.mod"
    # The upstream go.mod's replace lines do not apply to a dependent module: copy them.
    { grep -E '^replace [^ ]+ => [^ ]+ v' "$mod" || true; } | while read -r _ from _ to ver; do
      go mod edit "-replace=$from=$to@$ver"
    done
    cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
GO
    go get "github.com/prometheus/prometheus@$PROMETHEUS_VERSION"
    go mod tidy
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/bin/promtool" github.com/prometheus/prometheus/cmd/promtool
  )
  rm -rf "$src"
}

build_once "$DIR" bin/promtool build "promtool $PROMETHEUS_VERSION: building it from the Go module proxy (first time only, a few minutes)"
echo "$DIR/bin"
