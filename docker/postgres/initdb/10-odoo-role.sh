#!/bin/sh
# First start of postgres_companion only (the image runs /docker-entrypoint-initdb.d
# on an empty data volume, as the superuser POSTGRES_USER): Odoo's role, without
# superuser rights, owning Odoo's database. Issue #12: Odoo must not be able to
# drop or disable the audit trigger, which a superuser always could.
# psql variables (:"name", :'value') quote the identifiers and the password.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v role="${ODOO_DB_USER:?}" -v password="${ODOO_DB_PASSWORD:?}" \
    -v db="${ODOO_DB_NAME:?}" <<'SQL'
CREATE ROLE :"role" LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOREPLICATION
    PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"role";
SQL
