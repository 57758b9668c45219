#!/bin/sh
# Like the official image: redis-server runs as the redis user, not root.
set -eu
if [ "${1:-}" = redis-server ] && [ "$(id -u)" = 0 ]; then
    exec gosu redis "$@"
fi
exec "$@"
