#!/bin/bash
# First start: system tables, root reachable over the network with
# MARIADB_ROOT_PASSWORD; then mariadbd on every interface.
set -euo pipefail
[ "${1:-}" = mariadbd ] || exec "$@"
if [ "$(id -u)" = 0 ]; then
    chown -R mysql:mysql /var/lib/mysql /run/mysqld
    exec gosu mysql "$0" "$@"
fi
if [ ! -d /var/lib/mysql/mysql ]; then
    : "${MARIADB_ROOT_PASSWORD:?MARIADB_ROOT_PASSWORD is required}"
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null
    mariadbd --skip-networking --socket=/run/mysqld/init.sock &
    pid=$!
    for _ in $(seq 60); do
        mariadb-admin --socket=/run/mysqld/init.sock ping >/dev/null 2>&1 && break
        sleep 1
    done
    pw=${MARIADB_ROOT_PASSWORD//\'/\'\'}
    mariadb --socket=/run/mysqld/init.sock <<SQL
CREATE USER 'root'@'%' IDENTIFIED BY '$pw';
GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;
ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('$pw');
FLUSH PRIVILEGES;
SQL
    kill "$pid"
    wait "$pid" || true
fi
exec mariadbd --bind-address=0.0.0.0 --character-set-server=utf8mb4 "${@:2}"
