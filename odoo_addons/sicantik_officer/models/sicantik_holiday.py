"""SICANTIK's public holidays (``tmholiday``), mirrored for the SLA clock.

Why a mirror of its own: ``sicantik_sync`` mirrors applications, not
reference calendars, and the SLA must be computed in PostgreSQL over every
application at once.  The table is tiny (a few rows per year), so a daily
cron re-reads it whole through ``sicantik_sync``'s guarded, read-only source
reader and upserts it in one statement; a date removed from SICANTIK is
marked missing (never deleted, like every mirrored record) and stops
counting as a holiday.

The SQL function ``sicantik_officer_working_days(from, to[, holidays])`` is
created here
because it reads this table; ``lib/workdays.py`` is its Python twin.
"""

import logging

from odoo import _, api, fields, models

from odoo.addons.sicantik_sync.lib import source as source_lib

_logger = logging.getLogger(__name__)

#: Three functions, created in dependency order.  The counting function takes
#: the holidays as a sorted array and is pure arithmetic (no sub-SELECT), so
#: PostgreSQL inlines it: a set-based update computes the array once and
#: counts the holidays of each row by binary search (``width_bucket`` returns
#: how many array elements are <= its operand).  A per-row sub-SELECT on the
#: holiday table cost ~35 us a row (6 s for 186,000 permits and steps).
WORKING_DAYS_SQL = [
    """
CREATE OR REPLACE FUNCTION sicantik_officer_working_days(
    d_from date, d_to date, holidays date[])
RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN d_from IS NULL OR d_to IS NULL OR d_to <= d_from THEN 0
    ELSE (5 * ((d_to - DATE '1900-01-01' + 1) / 7)
          + LEAST((d_to - DATE '1900-01-01' + 1) % 7, 5))
       - (5 * ((d_from - DATE '1900-01-01' + 1) / 7)
          + LEAST((d_from - DATE '1900-01-01' + 1) % 7, 5))
       - (width_bucket(d_to, holidays) - width_bucket(d_from, holidays))
    END
$$
""",
    """
CREATE OR REPLACE FUNCTION sicantik_officer_holidays()
RETURNS date[] LANGUAGE sql STABLE AS $$
    SELECT COALESCE(array_agg(d ORDER BY d), '{}'::date[]) FROM (
        SELECT DISTINCT h.date AS d FROM sicantik_holiday h
         WHERE h.sicantik_missing IS NOT TRUE
           AND EXTRACT(ISODOW FROM h.date) < 6) x
$$
""",
    """
CREATE OR REPLACE FUNCTION sicantik_officer_working_days(d_from date, d_to date)
RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT sicantik_officer_working_days(d_from, d_to, sicantik_officer_holidays())
$$
""",
]


class SicantikHoliday(models.Model):
    _name = "sicantik.holiday"
    _inherit = "sicantik.mirror.mixin"
    _description = "SICANTIK Public Holiday"
    _order = "date desc"
    _rec_name = "date"

    date = fields.Date(required=True, readonly=True, index=True)
    name = fields.Char(string="Description", readonly=True)

    def init(self):
        for statement in WORKING_DAYS_SQL:
            self.env.cr.execute(statement)

    @api.model
    def _cron_sync_holidays(self):
        """Cron: mirror ``tmholiday``; recompute every SLA when it changed.

        SICANTIK being unreachable is an expected, transient state (the sync's
        lag alert reports it): the cron logs it and tries again tomorrow
        instead of failing, which would end up deactivating it.
        """
        try:
            changed = self._sync_holidays()
        except source_lib.SourceError as exc:
            _logger.warning("SICANTIK holidays not read: %s", exc)
            return 0
        if changed:
            self.env["sicantik.permit"]._recompute_sla(full=True)
        return changed

    @api.model
    def _sync_holidays(self):
        """Read every ``tmholiday`` row of the configured source; upsert it.

        Returns the number of rows changed.  Private: only the cron (and the
        tests) call it, and it never takes a URL from its caller.
        """
        sync = self.env["sicantik.sync"]
        if not sync._source_url():
            _logger.info("SICANTIK holidays: no MySQL URL configured")
            return 0
        rows, after = [], 0
        with sync._open_source() as src:
            while True:
                batch = src.all(
                    "SELECT id, date, description FROM tmholiday WHERE id > %s "
                    "ORDER BY id LIMIT %s",
                    (after, 1000),
                )
                if not batch:
                    break
                rows.extend(r for r in batch if r["date"])
                after = batch[-1]["id"]
        changed = self._upsert(rows)
        if changed:
            self.env["sicantik.audit.event"].sudo().log(
                "holiday.sync",
                summary=_("%s SICANTIK holidays changed", changed),
                details={"rows": len(rows), "changed": changed},
            )
        return changed

    def _upsert(self, rows):
        """One upsert for every row, one update for vanished rows."""
        cr = self.env.cr
        changed = 0
        if rows:
            values = ",".join(
                cr.mogrify(
                    "(%s::int4, %s::date, %s::varchar, md5(%s))",
                    (
                        r["id"],
                        str(r["date"]),
                        (r["description"] or "").strip() or None,
                        f"{r['date']}|{r['description'] or ''}",
                    ),
                ).decode()
                for r in rows
            )
            now = "(NOW() AT TIME ZONE 'UTC')"
            # values were escaped by mogrify; the rest is constant text
            cr.execute(  # pylint: disable=sql-injection
                "INSERT INTO sicantik_holiday (sicantik_id, date, name, row_hash, "
                "sicantik_missing, last_synced_at, create_date, write_date) "
                f"SELECT v.i, v.d, v.n, v.h, false, {now}, {now}, {now} "
                f"FROM (VALUES {values}) AS v(i, d, n, h) "
                "ON CONFLICT (sicantik_id) DO UPDATE SET date = EXCLUDED.date, "
                "name = EXCLUDED.name, row_hash = EXCLUDED.row_hash, "
                "sicantik_missing = false, last_synced_at = EXCLUDED.last_synced_at, "
                "write_date = EXCLUDED.write_date "
                "WHERE sicantik_holiday.row_hash IS DISTINCT FROM EXCLUDED.row_hash "
                "OR sicantik_holiday.sicantik_missing"
            )
            changed += cr.rowcount
        cr.execute(
            "UPDATE sicantik_holiday SET sicantik_missing = true, "
            "write_date = NOW() AT TIME ZONE 'UTC' "
            "WHERE sicantik_missing IS NOT TRUE AND NOT (sicantik_id = ANY(%s))",
            [[r["id"] for r in rows]],
        )
        changed += cr.rowcount
        self.invalidate_model()
        return changed

    @api.model
    def _working_days(self, date_from, date_to):
        """Working days in ``(date_from, date_to]`` as PostgreSQL counts them."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT sicantik_officer_working_days(%s, %s)", [date_from, date_to]
        )
        return self.env.cr.fetchone()[0]
