#!/bin/sh
# The part of the official nginx image's entrypoint the compose file relies
# on (20-envsubst-on-templates.sh): every /etc/nginx/templates/*.template is
# rendered with envsubst into $NGINX_ENVSUBST_OUTPUT_DIR (/etc/nginx/conf.d),
# substituting only variables set in the environment ($request_uri & co. stay).
set -eu
out="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
if [ -d /etc/nginx/templates ]; then
    defined=$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/${\1}/p' | tr '\n' ' ')
    mkdir -p "$out"
    for template in /etc/nginx/templates/*.template; do
        [ -f "$template" ] || continue
        name=$(basename "$template" .template)
        envsubst "$defined" <"$template" >"$out/$name"
    done
fi
exec "$@"
