#!/usr/bin/env bash
# kube-apiserver and kube-controller-manager built from the Go module proxy.
# k8s.io/kubernetes requires its staging modules at v0.0.0 and maps them with replace
# lines that do not apply to dependents, so a wrapper module must replace every staging
# module with the matching published v0.X.Y tag. The list is read from the published
# go.mod so a new minor version needs no hand-kept list.
source "$(dirname "$0")/lib.sh"
KUBE_VERSION="${KUBE_VERSION:-1.36.3}"
DIR="$EXACTLY_CACHE/kube-$KUBE_VERSION"

# The main package of one command: <dir>/main.go running k8s.io/kubernetes/cmd/<cmd>/app.<constructor>.
kube_main() {
  local dir="$1" cmd="$2" constructor="$3"
  cat > "$dir/main.go" <<GO
package main

import (
	"os"
	_ "time/tzdata"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/$cmd/app"
)

func main() { os.Exit(cli.Run(app.$constructor())) }
GO
}

build() {
  local out="$1" src="$1/src"
  local staging="v0.${KUBE_VERSION#1.}" minor
  minor="$(echo "$KUBE_VERSION" | cut -d. -f2)"
  mkdir -p "$src/cmd/kube-apiserver" "$src/cmd/kube-controller-manager" "$out/bin"
  kube_main "$src/cmd/kube-apiserver" kube-apiserver NewAPIServerCommand
  kube_main "$src/cmd/kube-controller-manager" kube-controller-manager NewControllerManagerCommand
  (
    cd "$src"
    go mod init exactly.local/kubebin >/dev/null 2>&1
    go mod download "k8s.io/kubernetes@v$KUBE_VERSION"
    local mod
    mod="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/v$KUBE_VERSION.mod"
    [[ -f "$mod" ]] || die "no published go.mod for k8s.io/kubernetes v$KUBE_VERSION"
    local n=0
    for m in $(grep -oE '^[[:space:]]+k8s\.io/[a-z0-9-]+ v0\.0\.0$' "$mod" | awk '{print $1}' | sort -u); do
      go mod edit "-replace=$m=$m@$staging"; n=$((n + 1))
    done
    log "kube $KUBE_VERSION: replaced $n staging modules with $staging"
    go mod edit "-require=k8s.io/kubernetes@v$KUBE_VERSION"
    go mod tidy
    local v=k8s.io/component-base/version
    local flags="-s -w -X $v.gitVersion=v$KUBE_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor"
    CGO_ENABLED=0 go build -trimpath -ldflags "$flags" -o "$out/bin/" ./cmd/kube-apiserver ./cmd/kube-controller-manager
  )
  rm -rf "$src"
}

build_once "$DIR" bin/kube-controller-manager build "kube $KUBE_VERSION: building kube-apiserver and kube-controller-manager (first time only, ~10-20 min)"
echo "$DIR/bin"
