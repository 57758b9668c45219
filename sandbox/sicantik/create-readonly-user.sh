#!/bin/sh
# Create the SICANTIK companion's read-only MySQL/MariaDB account.
#
# Applies create_readonly_user.sql (the same template the Python tool and the
# docker setup use) through the mysql client.
#
# Required:  SICANTIK_DB, SICANTIK_RO_USER, SICANTIK_RO_PASSWORD
# Optional:  MYSQL_HOST (127.0.0.1), MYSQL_PORT (3306), MYSQL_ROOT_PASSWORD (empty),
#            MYSQL_ADMIN_USER (root)
set -eu

: "${SICANTIK_DB:?set SICANTIK_DB}"
: "${SICANTIK_RO_USER:?set SICANTIK_RO_USER}"
: "${SICANTIK_RO_PASSWORD:?set SICANTIK_RO_PASSWORD}"
MYSQL_HOST="${MYSQL_HOST:-127.0.0.1}"
MYSQL_PORT="${MYSQL_PORT:-3306}"
MYSQL_ADMIN_USER="${MYSQL_ADMIN_USER:-root}"

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
template="$here/create_readonly_user.sql"

# Identifiers are spliced into SQL: allow plain names only.
for value in "$SICANTIK_DB" "$SICANTIK_RO_USER"; do
    case "$value" in
        ''|*[!A-Za-z0-9_\$-]*)
            echo "invalid database/user name: $value" >&2
            exit 2 ;;
    esac
done

# Password: escape for a single-quoted SQL literal (\ -> \\, ' -> ''), then for
# the sed replacement (\ & and the | delimiter).
sql_pw=$(printf '%s' "$SICANTIK_RO_PASSWORD" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")
sed_pw=$(printf '%s' "$sql_pw" | sed -e 's/[\\&|]/\\&/g')

# Give the admin password through the environment, never on the command line.
if [ -n "${MYSQL_ROOT_PASSWORD:-}" ]; then
    MYSQL_PWD="$MYSQL_ROOT_PASSWORD"
    export MYSQL_PWD
fi

sed -e "s|\${SICANTIK_DB}|$SICANTIK_DB|g" \
    -e "s|\${SICANTIK_RO_USER}|$SICANTIK_RO_USER|g" \
    -e "s|\${SICANTIK_RO_PASSWORD}|$sed_pw|g" "$template" |
    mysql --protocol=TCP -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_ADMIN_USER"

echo "read-only user '$SICANTIK_RO_USER' can SELECT on '$SICANTIK_DB'"
