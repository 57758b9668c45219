#!/bin/sh
# Self-signed TLS material for development and the tests: a throw-away CA and
# one server certificate signed by it, valid for the given host names.
# Production uses the operator's certificate instead (docker/README.md, "TLS").
# Nothing it writes is ever committed (docker/tls/.gitignore).
#
#   docker/tls/make-dev-certs.sh OUT_DIR NAME [NAME...]
#
# Writes OUT_DIR/ca.crt, OUT_DIR/server.crt, OUT_DIR/server.key (the CA's key
# is thrown away: nothing else can be signed with it). A NAME that is an IPv4
# address becomes an IP subjectAltName, any other a DNS one; the first is the
# certificate's CN. Keys are readable by everyone in OUT_DIR on purpose: the
# services that read them run as other users inside their containers; keep
# OUT_DIR itself private (mode 700 parent) outside the tests.
set -eu

[ "$#" -ge 2 ] || { echo "usage: $0 OUT_DIR NAME [NAME...]" >&2; exit 2; }
out=$1
shift
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

san=""
for name in "$@"; do
    case $name in
        *[!0-9.]*) entry="DNS:$name" ;;
        *) entry="IP:$name" ;;
    esac
    san="${san:+$san,}$entry"
done

openssl req -x509 -newkey rsa:2048 -nodes -days 30 -sha256 \
    -subj "/CN=SICANTIK Companion dev CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$tmp/ca.key" -out "$out/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=$1" \
    -keyout "$out/server.key" -out "$tmp/server.csr" 2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    "$san" >"$tmp/ext.cnf"
openssl x509 -req -in "$tmp/server.csr" -CA "$out/ca.crt" -CAkey "$tmp/ca.key" \
    -CAcreateserial -days 30 -sha256 -extfile "$tmp/ext.cnf" \
    -out "$out/server.crt" 2>/dev/null
chmod 0644 "$out/ca.crt" "$out/server.crt" "$out/server.key"
