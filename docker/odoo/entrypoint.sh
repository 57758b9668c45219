#!/bin/sh
# Entrypoint of the SICANTIK Companion Odoo image.
#
# Renders the Odoo config from environment variables, waits for PostgreSQL and
# execs Odoo. It replaces the base image's entrypoint because that one passes the
# database password on Odoo's command line (readable by anyone running `ps`) and
# knows nothing about our sicantik_* settings.
#
#   odoo [ARGS]       render config, wait for PostgreSQL, exec odoo ARGS (default)
#   -OPTION [ARGS]    same, e.g. `-u sicantik_core --stop-after-init`
#   render-config     only render the config to $ODOO_RC and exit (tests, debugging)
#   addons            print every addon of the image, comma-separated, for
#                     `odoo -i/-u "$ADDONS"` (a new addon needs no doc change)
#   audit-lockdown    OPTIONAL admin step (issue #12): move the audit table and
#                     trigger away from Odoo's role with the superuser DSN in
#                     SICANTIK_AUDIT_LOCKDOWN_DSN (docs/operations.md)
#   audit-unlock      its undo, before an upgrade changing the audit tables
#   COMMAND [ARGS]    render config, then exec COMMAND (e.g. bash)
#
# Only POSIX sh and awk: the script must behave the same in the image (dash +
# mawk) and on a developer machine or CI runner where the tests execute it.
set -eu

die() {
    printf 'entrypoint: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------------------
# Settings. Compose passes all of them; the defaults here keep a plain
# `docker run` usable and document what the compose file would pass.
# ---------------------------------------------------------------------------
: "${ODOO_RC:=/etc/odoo/odoo.conf}"
: "${ODOO_CONF_TEMPLATE:=/etc/odoo/odoo.conf.template}"
export ODOO_RC # Odoo itself reads ODOO_RC to find its config file.

export ODOO_DB_HOST="${ODOO_DB_HOST:-postgres_companion}"
export ODOO_DB_PORT="${ODOO_DB_PORT:-5432}"
export ODOO_DB_USER="${ODOO_DB_USER:-odoo}"
export ODOO_DB_NAME="${ODOO_DB_NAME:-sicantik_companion}"
export ODOO_DB_MAXCONN="${ODOO_DB_MAXCONN:-32}"
export ODOO_DB_WAIT_TIMEOUT="${ODOO_DB_WAIT_TIMEOUT:-60}"
export ODOO_WORKERS="${ODOO_WORKERS:-4}"
export ODOO_MAX_CRON_THREADS="${ODOO_MAX_CRON_THREADS:-2}"
export ODOO_LIMIT_TIME_CPU="${ODOO_LIMIT_TIME_CPU:-120}"
export ODOO_LIMIT_TIME_REAL="${ODOO_LIMIT_TIME_REAL:-300}"
export ODOO_LIMIT_TIME_REAL_CRON="${ODOO_LIMIT_TIME_REAL_CRON:--1}"
export ODOO_LIMIT_MEMORY_SOFT="${ODOO_LIMIT_MEMORY_SOFT:-2147483648}"
export ODOO_LIMIT_MEMORY_HARD="${ODOO_LIMIT_MEMORY_HARD:-2684354560}"
export ODOO_LOG_LEVEL="${ODOO_LOG_LEVEL:-info}"
export SICANTIK_ADDONS_PATH="${SICANTIK_ADDONS_PATH:-/opt/sicantik/addons}"

export SICANTIK_MYSQL_PORT="${SICANTIK_MYSQL_PORT:-3306}"
export SICANTIK_MYSQL_CHARSET="${SICANTIK_MYSQL_CHARSET:-utf8mb4}"
export SICANTIK_MYSQL_TLS="${SICANTIK_MYSQL_TLS:-True}"
export SICANTIK_MYSQL_TLS_CA="${SICANTIK_MYSQL_TLS_CA:-}"
export SICANTIK_S3_ENDPOINT="${SICANTIK_S3_ENDPOINT:-minio_documents:9001}"
export SICANTIK_S3_BUCKET="${SICANTIK_S3_BUCKET:-sicantik-documents}"
export SICANTIK_S3_SECURE="${SICANTIK_S3_SECURE:-False}"
export REDIS_HOST="${REDIS_HOST:-redis_cache}"
export REDIS_PORT="${REDIS_PORT:-6379}"
export SICANTIK_REDIS_DB="${SICANTIK_REDIS_DB:-0}"
export SICANTIK_BSRE_API_VERSION="${SICANTIK_BSRE_API_VERSION:-v2}"
export SICANTIK_BSRE_VERIFY_TLS="${SICANTIK_BSRE_VERIFY_TLS:-True}"
export SICANTIK_BSRE_CA_BUNDLE="${SICANTIK_BSRE_CA_BUNDLE:-}"
export SICANTIK_UPLOAD_ROOT="${SICANTIK_UPLOAD_ROOT:-/mnt/sicantik_uploads}"
export SICANTIK_TIMEZONE="${SICANTIK_TIMEZONE:-Asia/Jakarta}"
# Scale-out (issue #13): every replica the same base URL, sessions in Redis,
# attachments in PostgreSQL; nothing a request needs lives on one container.
export SICANTIK_FREEZE_BASE_URL="${SICANTIK_FREEZE_BASE_URL:-True}"
export SICANTIK_ATTACHMENT_LOCATION="${SICANTIK_ATTACHMENT_LOCATION:-db}"

# Secrets and site-specific values have no default on purpose: starting with a
# guessed password or the wrong BSrE gateway is worse than not starting.
require() {
    for _name in "$@"; do
        eval "_value=\${$_name:-}"
        [ -n "$_value" ] || die "$_name is empty or unset (see docker/.env.example)"
    done
}

require_integer() {
    for _name in "$@"; do
        eval "_value=\${$_name}"
        case $_value in
            '' | *[!0-9]*) die "$_name must be a non-negative integer, got '$_value'" ;;
        esac
    done
}

# Percent-encodes $1 for use inside a URL (RFC 3986 unreserved characters pass
# through). Passwords go into connection URLs; an unescaped '@', ':' or '/' in
# one would silently change the host or user the addons connect to. The value
# travels through the environment because awk -v would interpret backslashes.
urlencode() {
    _ue_value=$1 LC_ALL=C awk 'BEGIN {
        for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i
        s = ENVIRON["_ue_value"]
        out = ""
        for (i = 1; i <= length(s); i++) {
            c = substr(s, i, 1)
            if (c ~ /[A-Za-z0-9._~-]/) out = out c
            else out = out sprintf("%%%02X", ord[c])
        }
        printf "%s", out
    }'
}

# The addons read one SQLAlchemy URL; operators fill in its parts (the read-only
# account from sandbox/sicantik/create-readonly-user.sh). A complete
# SICANTIK_MYSQL_URL, if given, wins.
build_mysql_url() {
    if [ -n "${SICANTIK_MYSQL_URL:-}" ]; then
        return 0
    fi
    require SICANTIK_MYSQL_HOST SICANTIK_MYSQL_DB SICANTIK_MYSQL_USER \
        SICANTIK_MYSQL_PASSWORD
    SICANTIK_MYSQL_URL="mysql+pymysql://$(urlencode "$SICANTIK_MYSQL_USER")"
    SICANTIK_MYSQL_URL="$SICANTIK_MYSQL_URL:$(urlencode "$SICANTIK_MYSQL_PASSWORD")"
    SICANTIK_MYSQL_URL="$SICANTIK_MYSQL_URL@${SICANTIK_MYSQL_HOST:?}"
    SICANTIK_MYSQL_URL="$SICANTIK_MYSQL_URL:$SICANTIK_MYSQL_PORT"
    SICANTIK_MYSQL_URL="$SICANTIK_MYSQL_URL/$(urlencode "$SICANTIK_MYSQL_DB")"
    SICANTIK_MYSQL_URL="$SICANTIK_MYSQL_URL?charset=$SICANTIK_MYSQL_CHARSET"
    export SICANTIK_MYSQL_URL
}

# Same idea for Redis: redis_cache requires REDIS_PASSWORD, so the URL is derived
# from it unless a complete SICANTIK_REDIS_URL (e.g. an external Redis) is given.
build_redis_url() {
    if [ -n "${SICANTIK_REDIS_URL:-}" ]; then
        return 0
    fi
    require REDIS_PASSWORD
    SICANTIK_REDIS_URL="redis://:$(urlencode "$REDIS_PASSWORD")@$REDIS_HOST:$REDIS_PORT"
    SICANTIK_REDIS_URL="$SICANTIK_REDIS_URL/$SICANTIK_REDIS_DB"
    export SICANTIK_REDIS_URL
}

# Substitutes each dollar-brace placeholder in the template with the value of that
# environment variable. Values are inserted verbatim and never re-scanned, so a
# password containing '$', '`' or a placeholder-like text cannot inject anything.
# An unset variable or a value with a line break (which would split the INI
# line) aborts instead of writing a broken config.
render_config() {
    [ -r "$ODOO_CONF_TEMPLATE" ] || die "cannot read template $ODOO_CONF_TEMPLATE"
    _tmp="$ODOO_RC.tmp.$$"
    # The rendered file holds every secret: readable by the odoo user only.
    (umask 077 && awk '
        {
            rest = $0
            out = ""
            while (match(rest, /\$\{[A-Za-z_][A-Za-z0-9_]*\}/)) {
                name = substr(rest, RSTART + 2, RLENGTH - 3)
                if (!(name in ENVIRON)) {
                    printf "entrypoint: %s:%d: %s is not set\n",
                        FILENAME, FNR, name > "/dev/stderr"
                    failed = 1
                }
                value = ENVIRON[name]
                if (value ~ /[\r\n]/) {
                    printf "entrypoint: %s has a line break\n", name > "/dev/stderr"
                    failed = 1
                }
                out = out substr(rest, 1, RSTART - 1) value
                rest = substr(rest, RSTART + RLENGTH)
            }
            print out rest
        }
        END { exit failed }
    ' "$ODOO_CONF_TEMPLATE" >"$_tmp") || {
        rm -f "$_tmp"
        die "could not render $ODOO_CONF_TEMPLATE"
    }
    # Rename, not overwrite: a crash mid-write never leaves Odoo a half config.
    mv -f "$_tmp" "$ODOO_RC"
}

# depends_on already orders the compose start, but Odoo also restarts on its own
# (crash, upgrade, `docker compose restart odoo_companion`) while PostgreSQL may
# be restarting too; Odoo exits on a refused connection instead of retrying.
wait_for_postgres() {
    if ! command -v pg_isready >/dev/null 2>&1; then
        printf 'entrypoint: pg_isready not found, not waiting for PostgreSQL\n' >&2
        return 0
    fi
    _deadline=$(($(date +%s) + ODOO_DB_WAIT_TIMEOUT))
    until pg_isready -q -h "$ODOO_DB_HOST" -p "$ODOO_DB_PORT" -U "$ODOO_DB_USER" -t 5
    do
        [ "$(date +%s)" -lt "$_deadline" ] ||
            die "PostgreSQL at $ODOO_DB_HOST:$ODOO_DB_PORT not ready" \
                "after ${ODOO_DB_WAIT_TIMEOUT}s"
        sleep 2
    done
}

# Links that leave this host are encrypted and verified (issue #13): S3 in
# clear only to the stack's own MinIO on the private bridge; SICANTIK's MySQL
# with TLS (SICANTIK_MYSQL_TLS_CA) unless the explicit opt-out is set.
check_tls() {
    case "$SICANTIK_S3_SECURE:${SICANTIK_S3_ENDPOINT%%:*}" in
        [Tt]rue:* | 1:* | *:minio_documents) ;;
        *) die "SICANTIK_S3_ENDPOINT $SICANTIK_S3_ENDPOINT is remote: set SICANTIK_S3_SECURE=True" ;;
    esac
    case "$SICANTIK_MYSQL_TLS" in
        [Ff]alse | 0 | [Nn]o | [Oo]ff) ;;
        *) require SICANTIK_MYSQL_TLS_CA ;;
    esac
}

prepare() {
    require ODOO_ADMIN_PASSWORD ODOO_DB_PASSWORD \
        SICANTIK_S3_ACCESS_KEY SICANTIK_S3_SECRET_KEY \
        SICANTIK_DOC_KEY SICANTIK_DOC_KEY_ID \
        SICANTIK_BSRE_URL SICANTIK_BSRE_USER SICANTIK_BSRE_PASSWORD \
        SICANTIK_PUBLIC_BASE_URL SICANTIK_AUDIT_ANCHOR_KEY SICANTIK_AUDIT_SALT \
        SICANTIK_VERIFY_SALT SICANTIK_APPLICANT_SECRET
    require_integer ODOO_DB_PORT ODOO_DB_MAXCONN ODOO_DB_WAIT_TIMEOUT ODOO_WORKERS \
        ODOO_MAX_CRON_THREADS ODOO_LIMIT_TIME_CPU ODOO_LIMIT_TIME_REAL \
        ODOO_LIMIT_MEMORY_SOFT ODOO_LIMIT_MEMORY_HARD SICANTIK_MYSQL_PORT \
        REDIS_PORT SICANTIK_REDIS_DB
    if [ "$ODOO_WORKERS" -eq 0 ]; then
        # Threaded mode serves websockets on 8069, but nginx routes /websocket to
        # the gevent port 8072, which only exists in multi-process mode.
        printf 'entrypoint: ODOO_WORKERS=0: live updates via nginx will not work\n' >&2
    fi
    check_tls
    build_mysql_url
    build_redis_url
    export SICANTIK_SESSION_REDIS_URL="${SICANTIK_SESSION_REDIS_URL:-$SICANTIK_REDIS_URL}"
    render_config
}

[ "$#" -gt 0 ] || set -- odoo

case "$1" in
    addons)
        # Needs no settings: the addons are part of the image.
        for _manifest in "$SICANTIK_ADDONS_PATH"/*/__manifest__.py; do
            [ -f "$_manifest" ] || continue
            _dir=${_manifest%/__manifest__.py}
            printf '%s\n' "${_dir##*/}"
        done | sort | paste -sd, -
        exit 0
        ;;
    render-config)
        prepare
        printf 'entrypoint: wrote %s\n' "$ODOO_RC" >&2
        exit 0
        ;;
    audit-lockdown | audit-unlock)
        # --- OPTIONAL STEP: audit lockdown -------------------------------------
        # Runs only when the administrator passes the PostgreSQL superuser's DSN
        # for this one command (`compose run --rm -e SICANTIK_AUDIT_LOCKDOWN_DSN
        # odoo_companion audit-lockdown`); the stack itself never holds it.
        # `audit-unlock` undoes it before an upgrade that changes the audit
        # tables or an uninstall. Commands of the sicantik_audit addon.
        [ -n "${SICANTIK_AUDIT_LOCKDOWN_DSN:-}" ] ||
            die "$1: set SICANTIK_AUDIT_LOCKDOWN_DSN (superuser DSN) for this run"
        action=${1#audit-}
        prepare
        wait_for_postgres
        # Odoo finds an addon's command only with --addons-path first.
        addons=$(sed -n 's/^addons_path *= *//p' "$ODOO_RC")
        exec odoo --addons-path="$addons" sicantik_audit "$action" -d "$ODOO_DB_NAME"
        ;;
esac

prepare

case "$1" in
    -- | odoo)
        shift
        wait_for_postgres
        exec odoo "$@"
        ;;
    -*)
        wait_for_postgres
        exec odoo "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
