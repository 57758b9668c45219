# Stand-in for `redis:7.2-alpine` (Docker test only): Debian's Redis 7.0 with
# the official image's contract used by the compose file: `docker-entrypoint.sh`
# on PATH dropping to the `redis` user, `redis-server` and `redis-cli`
# (REDISCLI_AUTH) on PATH.
ARG BASE_IMAGE=sicantik-test/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        gosu redis-server redis-tools \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
