#!/bin/sh
# `minio server DIR [--address :PORT] [--console-address :PORT]` served by
# SeaweedFS: S3 API on the --address port, root account from MINIO_ROOT_*.
set -eu
[ "${1:-}" = server ] || exec "$@"
shift
dir=/data
port=9000
while [ "$#" -gt 0 ]; do
    case "$1" in
        --address) port="${2##*:}"; shift 2 ;;
        --console-address) shift 2 ;;
        -*) shift ;;
        *) dir="$1"; shift ;;
    esac
done
mkdir -p "$dir/weed"
# JSON-escaped by hand: keys are printable ASCII without quotes (test values).
cat >/tmp/s3.json <<JSON
{"identities": [{"name": "root", "credentials": [{"accessKey": "${MINIO_ROOT_USER:?}",
 "secretKey": "${MINIO_ROOT_PASSWORD:?}"}], "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
exec weed server -dir="$dir/weed" -ip=127.0.0.1 -ip.bind=0.0.0.0 \
    -master.port=19333 -master.port.grpc=29333 -master.volumeSizeLimitMB=256 \
    -volume.max=0 -volume.port=18080 -volume.port.grpc=28080 \
    -filer.port=18888 -filer.port.grpc=28888 \
    -s3 -s3.port="$port" -s3.port.grpc=29001 -s3.port.iceberg=0 -s3.port.lance=0 \
    -s3.config=/tmp/s3.json
