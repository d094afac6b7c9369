#!/usr/bin/env bash
# `make image`: builds the repository's Dockerfile, unchanged, with buildah (no Docker engine, no
# image registry): the base image it names in FROM is built here (base-image.sh) and stored under
# that name first, so nothing is pulled. The result is an OCI archive for containerd, cached by the
# content of everything the build reads: an unchanged tree prints the cached archive at once.
# Prints two lines: the image reference and the archive's path.
# `image.sh buildah ARGS…` runs buildah on the same image storage (tests inspect the image so).
# `image.sh job DIR NAME` builds a job project's Dockerfile (examples/starter's shape) FROM this
# tree's image, cached by the project's content: prints the job image's reference and archive.
source "$(dirname "$0")/lib.sh"
bash "$(dirname "$0")/node-packages.sh"
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
BASE_NAME=docker.io/library/node:24-slim
STORE="$EXACTLY_CACHE/containers"
IMAGES="$EXACTLY_CACHE/images"
mkdir -p "$IMAGES"
buildah() { command buildah --root "$STORE/storage" --runroot "$STORE/run" --storage-driver overlay "$@"; }
if [[ "${1:-}" == buildah ]]; then shift; buildah "$@"; exit; fi
if [[ "${1:-}" == job ]]; then
  job_dir="$(cd "${2:?image.sh job DIR NAME}" && pwd)"
  job_name="${3:?image.sh job DIR NAME}"
  [[ -f "$job_dir/Dockerfile" ]] || die "$job_dir has no Dockerfile: start from examples/starter (its Dockerfile builds FROM the exactly image)"
  [[ -f "$job_dir/package-lock.json" ]] || die "$job_dir has no package-lock.json: run npm install there first (the image build runs npm ci)"
  exactly_ref="$(bash "$0" | sed -n 1p)"
  key="$( (
    echo "$exactly_ref"
    cd "$job_dir" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --exclude=node_modules -cf - .
  ) | sha256sum | cut -c1-16)"
  ref="localhost/$job_name:dev-$key"
  archive="$IMAGES/job-$job_name-$key.oci.tar"
  if [[ ! -s "$archive" ]]; then
    npmrc="$STORE/build-npmrc"
    printf 'cafile=/etc/ssl/certs/host-ca.crt\nupdate-notifier=false\n' >"$npmrc"
    started=$SECONDS
    log "building $job_dir/Dockerfile FROM $exactly_ref as $ref"
    (cd "$job_dir" && buildah bud --pull=never --isolation chroot --network host --layers -q \
      -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/host-ca.crt:ro -v "$npmrc:/usr/local/etc/npmrc:ro" \
      --build-arg "EXACTLY_IMAGE=$exactly_ref" -f Dockerfile -t "$ref" . >&2)
    rm -f "$archive.tmp"
    buildah push -q --disable-compression "$ref" "oci-archive:$archive.tmp:$ref" >&2
    mv "$archive.tmp" "$archive"
    ls -1t "$IMAGES"/job-"$job_name"-*.oci.tar | tail -n +4 | xargs -r rm -f
    log "job image $ref built in $((SECONDS - started))s"
  fi
  printf '%s\n%s\n' "$ref" "$archive"
  exit 0
fi

base_tar="$(bash "$(dirname "$0")/base-image.sh")"
base_key="$(basename "$(dirname "$base_tar")")"

# The build context as the Dockerfile sees it: what its COPY lines name, plus the Dockerfile.
CONTEXT=(Dockerfile .dockerignore package.json package-lock.json contract runtime operator examples crds)
key="$( (
  echo "$base_key"
  cd "$REPO" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    --exclude=node_modules --exclude='*.test.ts' -cf - "${CONTEXT[@]}"
) | sha256sum | cut -c1-16)"
ref="localhost/exactly:dev-$key"
archive="$IMAGES/exactly-$key.oci.tar"
if [[ -s "$archive" ]]; then
  printf '%s\n%s\n' "$ref" "$archive"
  exit 0
fi

started=$SECONDS
if [[ "$(buildah inspect --type image --format '{{index .ImageAnnotations "dev.exactly.base"}}' "$BASE_NAME" 2>/dev/null)" != "$base_key" ]]; then
  log "storing the base image as $BASE_NAME ($base_key)"
  ctr="$(buildah from scratch)"
  mnt="$(buildah mount "$ctr")"
  tar -xf "$base_tar" -C "$mnt"
  buildah umount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="${base_key#*-node-}" --cmd '["node"]' --annotation "dev.exactly.base=$base_key" "$ctr"
  buildah commit --rm -q "$ctr" "$BASE_NAME" >/dev/null
fi

# npm in the build stage reaches the registry through this machine's TLS setup: lend it the
# system CA bundle for the build only, so neither the Dockerfile nor the image changes.
npmrc="$STORE/build-npmrc"
printf 'cafile=/etc/ssl/certs/host-ca.crt\nupdate-notifier=false\n' >"$npmrc"
ca=/etc/ssl/certs/ca-certificates.crt
[[ -s "$ca" ]] || die "no CA bundle at $ca: the build stage's npm ci needs one to reach the registry"
log "building the Dockerfile with buildah as $ref"
(cd "$REPO" && buildah bud --pull=never --isolation chroot --network host --layers -q \
  -v "$ca:/etc/ssl/certs/host-ca.crt:ro" -v "$npmrc:/usr/local/etc/npmrc:ro" \
  -f Dockerfile -t "$ref" -t localhost/exactly:dev . >&2)
rm -f "$archive.tmp"
buildah push -q --disable-compression "$ref" "oci-archive:$archive.tmp:$ref" >&2
mv "$archive.tmp" "$archive"
# Older trees' archives and tags are no longer wanted: keep the newest three of each. (Untagged
# stage images stay: they are the layer cache that makes a rebuild after a small change fast.)
ls -1t "$IMAGES"/exactly-*.oci.tar | tail -n +4 | xargs -r rm -f
buildah images --noheading --format '{{.CreatedAtRaw}}|{{.Name}}:{{.Tag}}' | grep '|localhost/exactly:dev-' | sort -r |
  tail -n +4 | cut -d'|' -f2 | xargs -r -n1 buildah rmi >/dev/null 2>&1 || true
# sed, not head: head exits at the first line and SIGPIPE fails the pipeline (pipefail) when buildah prints more.
size="$(buildah images --format "{{.Size}}" "$ref" | sed -n 1p)"
log "image $ref built in $((SECONDS - started))s; $size unpacked, $(du -m "$archive" | cut -f1) MB as a compressed archive"
printf '%s\n%s\n' "$ref" "$archive"
