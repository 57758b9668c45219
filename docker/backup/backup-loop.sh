#!/bin/sh
# Daily backup job of SICANTIK Companion (compose service backup_companion).
#
#   backup-loop.sh          run forever: one snapshot a day at BACKUP_HOUR
#   backup-loop.sh once     one snapshot now, then exit (manual run, tests)
#   backup-loop.sh health   exit 0 when backups are fresh (container health check)
#
# Why a shell loop and not cron: the Odoo image has no cron daemon, and a loop
# that logs to stdout shows up in `docker compose logs` like every service.
# The hour is taken in the office's time zone (SICANTIK_TIMEZONE) by Python's
# pytz, which Odoo always ships, so the image needs no system tzdata.
#
# Settings come from the environment only (compose fills them from docker/.env):
# DB_HOST/DB_PORT/DB_USER/DB_PASSWORD, ODOO_DB_NAME, SICANTIK_S3_*, BACKUP_*.
# Only POSIX sh.
set -eu

: "${BACKUP_DIR:=/backups}"
: "${BACKUP_HOUR:=01}"
: "${BACKUP_KEEP:=14}"
: "${BACKUP_TOOLS:=/opt/sicantik/tools}"
: "${BACKUP_DATA_DIR:=/var/lib/odoo}"
: "${BACKUP_STATE_DIR:=/tmp/sicantik-backup}"
: "${ODOO_DB_NAME:=sicantik_companion}"
: "${SICANTIK_TIMEZONE:=Asia/Jakarta}"
# The tools read odoo.conf keys, overridden by the environment; every setting
# here is in the environment, so an empty [options] section is enough.
: "${SICANTIK_ODOO_CONF:=$BACKUP_STATE_DIR/odoo.conf}"
export SICANTIK_ODOO_CONF

# A snapshot is made once a day: fresh means younger than 26 hours.
FRESH_MINUTES=1560

log() {
    printf '%s backup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"
}

die() {
    log "$*" >&2
    exit 2
}

case $BACKUP_HOUR in
    '' | *[!0-9]*) die "BACKUP_HOUR must be an hour 0-23, got '$BACKUP_HOUR'" ;;
esac
# Leading zeros off: shells may read "08" as an invalid octal number.
BACKUP_HOUR=${BACKUP_HOUR#"${BACKUP_HOUR%%[!0]*}"}
BACKUP_HOUR=${BACKUP_HOUR:-0}
[ "$BACKUP_HOUR" -le 23 ] || die "BACKUP_HOUR must be an hour 0-23"
case $BACKUP_KEEP in
    '' | *[!0-9]*) die "BACKUP_KEEP must be a number of snapshots, got '$BACKUP_KEEP'" ;;
esac
[ "$BACKUP_KEEP" -ge 1 ] || die "BACKUP_KEEP must be at least 1"

# "YYYY-MM-DD H" in the office's time zone.
local_day_hour() {
    python3 -c 'import datetime, sys, pytz
now = datetime.datetime.now(pytz.timezone(sys.argv[1]))
print(now.strftime("%Y-%m-%d"), now.hour)' "$SICANTIK_TIMEZONE"
}

backup_once() {
    mkdir -p "$BACKUP_STATE_DIR"
    [ -f "$SICANTIK_ODOO_CONF" ] || printf '[options]\n' >"$SICANTIK_ODOO_CONF"
    python3 "$BACKUP_TOOLS/backup.py" --data-dir "$BACKUP_DATA_DIR" backup \
        --db "$ODOO_DB_NAME" --target "$BACKUP_DIR" --keep "$BACKUP_KEEP"
}

health() {
    # Fresh when the newest complete snapshot is younger than 26 hours ...
    if [ -n "$(find "$BACKUP_DIR" -mindepth 2 -maxdepth 2 -name manifest.json \
        -mmin "-$FRESH_MINUTES" 2>/dev/null | head -n 1)" ]; then
        return 0
    fi
    # ... or, during the first day, when the loop started less than 26 hours
    # ago and is still turning (heartbeat at most 5 minutes old, or the first
    # snapshot, which copies the whole bucket, still running).
    [ -n "$(find "$BACKUP_STATE_DIR/started" -mmin "-$FRESH_MINUTES" 2>/dev/null)" ] &&
        {
            [ -f "$BACKUP_STATE_DIR/running" ] ||
                [ -n "$(find "$BACKUP_STATE_DIR/heartbeat" -mmin -5 2>/dev/null)" ]
        }
}

loop() {
    mkdir -p "$BACKUP_STATE_DIR"
    touch "$BACKUP_STATE_DIR/started"
    if ! [ -d "$BACKUP_DIR" ] || ! [ -w "$BACKUP_DIR" ]; then
        die "$BACKUP_DIR is not a writable directory (BACKUP_HOST_PATH)"
    fi
    log "daily at hour $BACKUP_HOUR ($SICANTIK_TIMEZONE), keeping $BACKUP_KEEP"
    # As PID 1 the shell ignores SIGTERM unless trapped; sleeping in the
    # background and waiting lets `docker stop` end the loop at once. A
    # snapshot cut short has no manifest.json and is never used.
    trap 'log "stopping"; exit 0' TERM INT
    _done_day=""
    while :; do
        touch "$BACKUP_STATE_DIR/heartbeat"
        # shellcheck disable=SC2046 # two words on purpose: day and hour
        set -- $(local_day_hour)
        if [ "$2" -eq "$BACKUP_HOUR" ] && [ "$1" != "$_done_day" ]; then
            log "starting snapshot of $ODOO_DB_NAME"
            touch "$BACKUP_STATE_DIR/running"
            if backup_once; then
                rm -f "$BACKUP_STATE_DIR/running"
                _done_day=$1
                log "snapshot done"
            else
                rm -f "$BACKUP_STATE_DIR/running"
                # Retried every 10 minutes while the hour lasts; the health
                # check turns unhealthy if no snapshot succeeds for 26 hours.
                log "snapshot FAILED, retrying in 10 minutes" >&2
                sleep 540 &
                wait $! || true
            fi
        fi
        sleep 60 &
        wait $! || true
    done
}

case "${1:-loop}" in
    loop) loop ;;
    once) backup_once ;;
    health) health ;;
    *) die "usage: backup-loop.sh [loop|once|health]" ;;
esac
