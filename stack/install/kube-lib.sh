# Building Kubernetes commands from the Go module proxy (sourced by kube.sh and kube-node.sh).
# k8s.io/kubernetes requires its staging modules at v0.0.0 and maps them with replace lines that
# do not apply to dependents, so a wrapper module must replace every staging module with the
# matching published v0.X.Y tag. The list is read from the published go.mod, so a new minor
# version needs no hand-kept list.

# The main package of one command: <dir>/main.go running k8s.io/kubernetes/cmd/<cmd>/app.<constructor>.
# <args> is what the constructor takes: empty, or "ctx" for a context (the kubelet's).
kube_main() {
  local dir="$1" cmd="$2" constructor="$3" args="${4:-}"
  local imports="" call="app.$constructor()"
  if [[ "$args" == ctx ]]; then
    imports=$'\t"context"\n'
    call="app.$constructor(context.Background())"
  fi
  cat > "$dir/main.go" <<GO
package main

import (
$imports	"os"
	_ "time/tzdata"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/$cmd/app"
)

func main() { os.Exit(cli.Run($call)) }
GO
}

# Builds the named commands of k8s.io/kubernetes v$KUBE_VERSION into <out>/bin.
# usage: kube_build <out> <cmd>:<constructor>[:ctx] ...
kube_build() {
  local out="$1" src="$1/src"
  shift
  local staging="v0.${KUBE_VERSION#1.}" minor
  minor="$(echo "$KUBE_VERSION" | cut -d. -f2)"
  mkdir -p "$out/bin"
  local packages=() spec cmd constructor args
  for spec in "$@"; do
    IFS=: read -r cmd constructor args <<<"$spec"
    mkdir -p "$src/cmd/$cmd"
    kube_main "$src/cmd/$cmd" "$cmd" "$constructor" "$args"
    packages+=("./cmd/$cmd")
  done
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
    CGO_ENABLED=0 go build -trimpath -ldflags "$flags" -o "$out/bin/" "${packages[@]}"
  )
  rm -rf "$src"
}
