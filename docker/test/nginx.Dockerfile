# Stand-in for `nginx:1.27-alpine` (Docker test only): Debian's nginx-light
# (1.22) with the official image's contract used by the compose file:
# /etc/nginx/nginx.conf replaced by a bind mount, /etc/nginx/templates/*.template
# rendered with envsubst into /etc/nginx/conf.d at start, logs on
# stdout/stderr, `nginx -g 'daemon off;'`, `wget` for the health check.
ARG BASE_IMAGE=sicantik-test/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        nginx-light wget gettext-base \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* \
    && ln -sf /dev/stdout /var/log/nginx/access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log
COPY nginx-entrypoint.sh /docker-entrypoint.sh
EXPOSE 80 443
STOPSIGNAL SIGQUIT
ENTRYPOINT ["/docker-entrypoint.sh"]
CMD ["nginx", "-g", "daemon off;"]
