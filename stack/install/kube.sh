#!/usr/bin/env bash
# kube-apiserver and kube-controller-manager built from the Go module proxy (kube-lib.sh).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kube-lib.sh"
KUBE_VERSION="${KUBE_VERSION:-1.36.3}"
DIR="$EXACTLY_CACHE/kube-$KUBE_VERSION"

build() {
  kube_build "$1" kube-apiserver:NewAPIServerCommand kube-controller-manager:NewControllerManagerCommand
}

build_once "$DIR" bin/kube-controller-manager build "kube $KUBE_VERSION: building kube-apiserver and kube-controller-manager (first time only, ~10-20 min)"
echo "$DIR/bin"
