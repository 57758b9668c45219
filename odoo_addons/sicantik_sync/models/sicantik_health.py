from odoo import api, fields, models

from odoo.addons.sicantik_base.lib import settings

from ..lib import probe


class SicantikHealth(models.AbstractModel):
    """SICANTIK MySQL and the sync lag for ``/sicantik/health``, sync figures
    for ``/sicantik/metrics``.

    The lag check uses the same numbers as the lag alert cron
    (``sicantik.sync.health()`` and ``_lag_limit()``), so the probe and the
    administrators' alert can never disagree about whether the mirror is late.
    """

    _inherit = "sicantik.health"

    @api.model
    def _health_settings(self):
        return super()._health_settings() + ["mysql_url", "mysql_tls", "mysql_tls_ca"]

    @api.model
    def _sync_first_attempt(self):
        self.env.cr.execute(
            "SELECT min(started_at) FROM sicantik_sync_run WHERE kind = 'sync'"
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _mysql_checks(self, url):
        """SICANTIK's MySQL, and whether its link is encrypted (``mysql_tls``)."""
        try:
            tls_ca, state = settings.mysql_tls()
        except ValueError as exc:
            return {
                "sicantik_mysql": {"ok": False, "detail": str(exc)},
                "mysql_tls": {"ok": False, "detail": "misconfigured"},
            }
        check = self._health_probe(url, lambda: probe.check_mysql(url, tls_ca=tls_ca))
        # An explicit opt-out is shown, not counted as a failure.
        tls_ok = check["ok"] if (tls_ca and url) else None
        return {"sicantik_mysql": check, "mysql_tls": {"ok": tls_ok, "detail": state}}

    @api.model
    def _health_checks(self):
        checks = super()._health_checks()
        checks.update(self._mysql_checks(settings.get("mysql_url")))
        sync = self.env["sicantik.sync"].sudo()
        limit = sync._lag_limit()
        state = sync.health()
        lag = state["lag_minutes"]
        first = self._sync_first_attempt()
        if lag is None and first is None:
            # Never run: not configured here, or installed minutes ago; the
            # alert cron stays silent too, so the probe does not fail either.
            detail = "not configured" if not settings.get("mysql_url") else "no run yet"
            checks["sync_lag"] = {"ok": None, "detail": detail, "limit_minutes": limit}
            return checks
        if lag is None:
            # Runs exist but none succeeded: late since the first attempt.
            since = int((fields.Datetime.now() - first).total_seconds() // 60)
            checks["sync_lag"] = {
                "ok": since < limit,
                "detail": f"no successful sync for {since} min (limit {limit})",
                "lag_minutes": None,
                "limit_minutes": limit,
            }
            return checks
        checks["sync_lag"] = {
            "ok": lag < limit,
            "detail": f"last successful sync {lag} min ago (limit {limit})",
            "lag_minutes": lag,
            "limit_minutes": limit,
        }
        return checks

    @api.model
    def _metrics(self):
        metrics = super()._metrics()
        cr = self.env.cr
        cr.execute(
            "SELECT max(finished_at) FROM sicantik_sync_run "
            "WHERE kind = 'sync' AND state = 'done'"
        )
        last_ok = cr.fetchone()[0]
        if last_ok is not None:
            metrics.append(
                (
                    "sicantik_sync_lag_seconds",
                    "gauge",
                    "Seconds since the last successful SICANTIK sync finished",
                    int((fields.Datetime.now() - last_ok).total_seconds()),
                    {},
                )
            )
        since = fields.Datetime.subtract(fields.Datetime.now(), hours=24)
        cr.execute(
            "SELECT state, count(*) FROM sicantik_sync_run "
            "WHERE started_at >= %s GROUP BY state",
            [since],
        )
        runs = dict(cr.fetchall())
        for state in ("done", "failed", "running"):
            metrics.append(
                (
                    "sicantik_sync_runs",
                    "gauge",
                    "SICANTIK sync runs started in the last 24 hours, by state",
                    runs.get(state, 0),
                    {"state": state},
                )
            )
        cr.execute(
            "SELECT count(*) FROM sicantik_sync_quarantine WHERE resolved IS NOT TRUE"
        )
        metrics.append(
            (
                "sicantik_sync_quarantined_rows",
                "gauge",
                "SICANTIK rows in quarantine, not yet resolved",
                cr.fetchone()[0],
                {},
            )
        )
        return metrics
