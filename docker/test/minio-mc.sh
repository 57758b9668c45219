#!/bin/sh
# The one `mc` command the compose health check uses: `mc ready ALIAS`, ALIAS's
# URL from MC_HOST_<alias> (as mc reads it). Ready = the S3 port answers HTTP.
set -eu
[ "${1:-}" = ready ] || { echo "mc stand-in: only 'mc ready ALIAS'" >&2; exit 2; }
url=$(printenv "MC_HOST_${2:-local}" || echo http://127.0.0.1:9000)
curl -s -o /dev/null -m 5 "$url/"
