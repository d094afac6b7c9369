#!/usr/bin/env bash
# The Debian packages a real node and the image build need: containerd, runc and the CNI plugins
# (the node), buildah (builds the Dockerfile with no Docker engine), debootstrap (the base image).
# Installed with apt from the machine's own mirror when missing; needs root, as the node does.
source "$(dirname "$0")/lib.sh"
PACKAGES=(containerd runc containernetworking-plugins buildah debootstrap)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  [[ $EUID -eq 0 ]] || die "installing ${missing[*]} needs root (apt-get install); run as root or install them yourself"
  command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} with your package manager"
  log "apt-get install ${missing[*]} (first time only)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 ||
    { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; } ||
    die "apt-get could not install ${missing[*]}"
fi
