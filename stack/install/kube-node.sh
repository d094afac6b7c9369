#!/usr/bin/env bash
# The node side of Kubernetes, from the same module and version as the control plane (kube.sh):
# kubelet, kube-scheduler and kube-proxy, which the stack's real node runs (stack/real-node/,
# docs/real-node.md) with containerd, runc and the CNI plugins from Debian.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kube-lib.sh"
KUBE_VERSION="${KUBE_VERSION:-1.36.3}"
DIR="$EXACTLY_CACHE/kube-node-$KUBE_VERSION"

build() {
  kube_build "$1" kubelet:NewKubeletCommand:ctx kube-scheduler:NewSchedulerCommand kube-proxy:NewProxyCommand
}

build_once "$DIR" bin/kube-proxy build "kube $KUBE_VERSION: building kubelet, kube-scheduler and kube-proxy (first time only, ~10 min)"
echo "$DIR/bin"
