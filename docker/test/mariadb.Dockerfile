# SICANTIK's MySQL for the Docker test only: Debian's MariaDB, the database the
# test seeds with the SICANTIK sandbox (python -m sandbox.sicantik generate)
# through the loopback-published port. In an office this server is SICANTIK's own.
# MARIADB_ROOT_PASSWORD sets root's password on first start.
ARG BASE_IMAGE=sicantik-test/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        gosu mariadb-server \
    && rm -rf /var/lib/apt/lists/* /var/lib/mysql/* \
    && mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
COPY mariadb-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/mysql
EXPOSE 3306
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["mariadbd"]
