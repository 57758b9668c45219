#!/bin/bash
# Offline install bundle (make bundle): one archive with the images (docker
# save), the wheelhouse and the compose files, for a server without internet:
#
#   tar -xf sicantik-companion-bundle.tar && cd sicantik-companion-bundle
#   docker load -i images.tar
#   cp docker/.env.example docker/.env      # fill in (docker/README.md)
#   docker compose -f docker/docker-compose.yml --env-file docker/.env up -d
#
#   docker/bundle.sh OUTPUT.tar [IMAGE...]
# Images default to the two built here and the third-party images the compose
# file names (which must be present locally: pulled, or loaded from a mirror).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: docker/bundle.sh OUTPUT.tar [IMAGE...]}
shift
tag=${SICANTIK_IMAGE_TAG:-latest}
if [ "$#" -eq 0 ]; then
    set -- "sicantik-companion-odoo:$tag" "sicantik-bsre-sandbox:$tag" \
        postgres:15-bookworm redis:7.2-alpine nginx:1.27-alpine \
        "${MINIO_IMAGE:-quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z}"
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/sicantik-companion-bundle"
mkdir -p "$root/docker"
docker save -o "$root/images.tar" "$@"
printf '%s\n' "$@" >"$root/images.txt"
# What `compose up` reads at run time; no build context is needed.
tar -C docker -cf - docker-compose.yml .env.example README.md nginx postgres \
    certs/README.md backup tls/make-dev-certs.sh | tar -C "$root/docker" -xf -
cp -r docker/wheelhouse "$root/wheelhouse"
mkdir -p "$(dirname "$out")"
tar -C "$stage" -cf "$out" sicantik-companion-bundle
printf 'bundle: %s (%s)\n' "$out" "$(du -h "$out" | cut -f1)" >&2
