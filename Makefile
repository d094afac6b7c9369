# Public entry points. Every target installs what it needs (cached outside the clone under
# $${XDG_CACHE_HOME:-~/.cache}/exactly, keyed by version), so a fresh clone needs only `make`.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

INSTALL := stack/install
# Node >= 22: the system one if new enough, otherwise Node 24 from the npm registry.
NODE_DIR := $(shell bash $(INSTALL)/node.sh)
export PATH := $(NODE_DIR):$(PATH)
# Quiet a warning from this machine's global npm config that is not ours to fix.
export npm_config_update_notifier := false

.PHONY: help setup deps components image sdk component-% test test-unit test-integration chaos lint typecheck demo up down status dev bench kind-up

help:
	@echo "make demo    run the whole system on an embedded local stack"
	@echo "make test    run all tests (unit, integration against real Kafka, S3 and Kubernetes)"
	@echo "make up      start the local stack in the background; make down stops it"
	@echo "make dev JOB=./my-job  your job project built, deployed on the local stack and followed"
	@echo "make chaos   the exactly-once chaos suite alone (also part of make test)"
	@echo "make bench   benchmarks against peers (never part of make test)"
	@echo "make image   build the Dockerfile with buildah (no Docker engine) into an OCI archive"
	@echo "make sdk     pack the job SDK (exactly/runtime, exactly/testing) into dist/ for your job's project"
	@echo "make kind-up on a laptop with Docker: kind cluster, image loaded, chart installed"
	@echo "make lint / make typecheck"

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: node_modules/.installed

# Each script is a no-op when its version is already cached. The long Go builds (kube,
# kube-node, seaweedfs, promtool) run side by side. node-packages installs containerd, runc, the CNI
# plugins, buildah and debootstrap with apt when missing (the real node and `make image`).
COMPONENTS := kafka etcd kubectl-helm seaweedfs kube kube-node node-packages promtool
components:
	@$(MAKE) --no-print-directory -j $(words $(COMPONENTS)) $(addprefix component-,$(COMPONENTS))

component-%:
	@bash $(INSTALL)/$*.sh >/dev/null

setup: deps components image

# The job SDK (exactly/runtime, exactly/testing) as dist/exactly-<version>.tgz for a job's own project.
sdk: deps
	@node sdk/pack.ts

# The Dockerfile built unchanged with buildah; cached by content (stack/install/image.sh).
image:
	@bash $(INSTALL)/image.sh

typecheck: deps
	npx tsc --noEmit -p tsconfig.json

lint: deps
	npx biome check .

test-unit: deps
	npx vitest run --project unit

test-integration: setup
	npx vitest run --project integration

# The chaos suite alone (110k bank commands through kills, a broker restart, a rescale and an
# upgrade; also part of `make test`). CHAOS_SEED=<n> replays a run.
chaos: setup
	npx vitest run --project integration test/e2e

# All tests; prints one closing line "tests: N passed, N failed".
test: setup
	@$(MAKE) --no-print-directory -j2 typecheck lint
	node test/run-all.ts

demo: setup
	node stack/demo/demo.ts

# The benchmark (bench/run.ts; never part of `make test`): about half an hour on 2 cores, then
# docs/performance.md and bench/results/latest.json. `node bench/run.ts --help` for subsets.
bench: setup
	node bench/run.ts

# On a laptop with Docker: a kind cluster with the image loaded and the chart installed.
kind-up: deps
	bash scripts/kind-up.sh

up: setup
	node stack/stack-cli.ts up

down:
	node stack/stack-cli.ts down

# Your own job project (examples/starter's shape) on the local stack: stack up if needed, the
# operator installed, its image built and imported, topics created, StreamJob applied, followed.
# make dev JOB=./my-job [DEV_ARGS="--input words --output counts --config '{...}' --no-follow"]
dev: setup
	node stack/dev/dev-job.ts $(JOB) $(DEV_ARGS)

status:
	node stack/stack-cli.ts status
