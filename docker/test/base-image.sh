#!/bin/bash
# Builds the base image of the test stand-ins: a Debian bookworm root filesystem
# made by debootstrap from Debian's mirror and turned into an image with
# `docker import` (no container registry is needed). Skipped when the image
# exists already; FORCE=1 rebuilds it.
#
#   docker/test/base-image.sh [IMAGE]     (default sicantik-test/debian:bookworm)
set -euo pipefail

IMAGE="${1:-sicantik-test/debian:bookworm}"
log() { printf 'base-image: %s\n' "$*" >&2; }

if [ -z "${FORCE:-}" ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
    log "$IMAGE exists"
    exit 0
fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
start=$(date +%s)
log "debootstrap bookworm (minbase)"
# ca-certificates: apt and pip inside the stand-ins; the rest is what every
# Dockerfile here would otherwise install first.
debootstrap --variant=minbase --include=ca-certificates bookworm "$root" >"$root.log" 2>&1 ||
    { tail -30 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# Same suites as this host (updates, security), when the host is Debian.
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/debian.sources"
    rm -f "$root/etc/apt/sources.list"
fi
# Keep images small: no docs, man pages or apt caches left in layers.
cat >"$root/etc/dpkg/dpkg.cfg.d/01-sicantik-nodoc" <<'CFG'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
CFG
cat >"$root/etc/apt/apt.conf.d/01-sicantik" <<'CFG'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
CFG
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
# An imported image has no PATH or language set.
tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV LANG=C.UTF-8' \
    -c 'CMD ["bash"]' - "$IMAGE" >/dev/null
log "$IMAGE built in $(($(date +%s) - start)) s"
