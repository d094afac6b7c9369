#!/usr/bin/env bash
# `make kind-up`: exactly on a kind cluster on a laptop with Docker. Builds the one image, loads it
# into the cluster (no registry needed), installs the chart, and says what to do next.
# Idempotent: an existing cluster and release are reused (helm upgrade --install).
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTER="${KIND_CLUSTER:-exactly}"
IMAGE="exactly:dev"
say() { printf '[kind-up] %s\n' "$*" >&2; }

if ! docker info >/dev/null 2>&1; then
  say "error: no Docker engine answers ('docker info' failed). kind runs Kubernetes in Docker"
  say "containers, so start Docker Desktop or dockerd first, then run 'make kind-up' again."
  exit 1
fi
KIND="$(bash stack/install/kind.sh)/kind"
TOOLS="$(bash stack/install/kubectl-helm.sh)"

if "$KIND" get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  say "using the existing kind cluster '$CLUSTER'"
else
  say "creating the kind cluster '$CLUSTER' (about a minute)…"
  "$KIND" create cluster --name "$CLUSTER" --wait 120s
fi
say "building the image $IMAGE (multi-stage, production dependencies only)…"
docker build -t "$IMAGE" .
say "loading $IMAGE into the cluster's node…"
"$KIND" load docker-image "$IMAGE" --name "$CLUSTER"
say "installing the chart (the operator runs under its own ServiceAccount)…"
"$TOOLS/helm" upgrade --install exactly charts/exactly --namespace exactly-system --create-namespace \
  --kube-context "kind-$CLUSTER" --set image.repository=exactly --set image.tag=dev --set image.pullPolicy=Never --wait
"$TOOLS/kubectl" --context "kind-$CLUSTER" get crd streamjobs.exactly.dev >/dev/null
say "ready. Next: run Kafka and an S3 server the cluster can reach, then"
say "  kubectl --context kind-$CLUSTER apply -f examples/bank-transfers/streamjob.yaml   (edit its bootstrapServers and storage first)"
say "  kubectl --context kind-$CLUSTER get sj -w"
say "Remove it all with: $KIND delete cluster --name $CLUSTER"
