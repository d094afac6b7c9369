#!/usr/bin/env bash
# The Dockerfile's base image, `node:24-slim`, built here instead of pulled (no image registry is
# reachable): a Debian bookworm minbase rootfs from the machine's apt mirror, the cached Node 24
# binary and npm from the npm registry in /usr/local, and a `node` user (uid 1000) as the official
# image has. Prints the path of the rootfs tarball; stack/install/image.sh stores it in the
# image storage under the Dockerfile's FROM name.
source "$(dirname "$0")/lib.sh"
NODE_VERSION="${NODE_VERSION:-24.21.0}"
NPM_VERSION="${NPM_VERSION:-11.21.3}"
SUITE=bookworm
DIR="$EXACTLY_CACHE/base-image-$SUITE-node-$NODE_VERSION-npm-$NPM_VERSION-r2"

command -v debootstrap >/dev/null || die "debootstrap not found: run stack/install/node-packages.sh (apt)"

# The mirror this machine's apt uses (the only place Debian packages come from here).
debian_mirror() {
  local uri
  uri="$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null |
    grep -oE 'https?://[^ ]+' | sed -n 1p)"
  [[ -n "$uri" ]] || die "no Debian mirror in /etc/apt/sources*: debootstrap needs one"
  echo "$uri"
}

build() {
  local out="$1" root="$1/rootfs" node_bin
  node_bin="$(EXACTLY_FORCE_NODE=1 bash "$(dirname "$0")/node.sh")"
  debootstrap --variant=minbase "$SUITE" "$root" "$(debian_mirror)" >"$out/debootstrap.log" 2>&1 ||
    die "debootstrap failed: see the end of $out/debootstrap.log"
  # What a runtime image does not need: package caches, docs, man pages, translations, and
  # glibc's iconv modules (Node converts text with its own ICU).
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/{doc,man,info,locale}/* \
    "$root"/var/log/* "$root"/var/cache/debconf/*-old "$root"/usr/lib/*-linux-gnu/gconv
  # The release binary carries its full symbol table (18 MB); native addons need only the dynamic one, which strip keeps.
  install -m 0755 "$node_bin/node" "$root/usr/local/bin/node"
  strip --strip-all "$root/usr/local/bin/node"
  (cd "$out" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$root/usr/local/lib/node_modules/npm"
  tar -xzf "$out"/npm-*.tgz -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  chroot "$root" node -e 'process.exit(0)' || die "node does not run inside the base rootfs"
  tar -C "$root" --numeric-owner -cf "$out/rootfs.tar" .
  rm -rf "$root" "$out"/npm-*.tgz
}

build_once "$DIR" rootfs.tar build "base image: Debian $SUITE minbase + Node $NODE_VERSION + npm $NPM_VERSION (first time only, ~1.5 min)"
echo "$DIR/rootfs.tar"
