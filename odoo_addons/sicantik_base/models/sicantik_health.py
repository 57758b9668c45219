from odoo import api, models

from ..guards import guard
from ..lib import health, settings
from ..lib.redis_client import get_redis

#: The settings the probes read: a change of any of them starts a new round.
PROBED_SETTINGS = (
    "mysql_url",
    "mysql_tls",
    "mysql_tls_ca",
    "s3_endpoint",
    "s3_access_key",
    "s3_secret_key",
    "s3_bucket",
    "s3_secure",
    "redis_url",
    "bsre_url",
    "bsre_verify_tls",
)

#: One per worker process; shared with the other workers through Redis.
_REPORT_CACHE = health.ReportCache()


class SicantikHealth(models.AbstractModel):
    """Health and metrics of the whole product, extended by each addon.

    Addons add their own figures by overriding ``_health_checks`` (e.g. the sync
    lag) and ``_metrics`` (e.g. quarantined rows) and calling ``super()``; the
    controllers ``/sicantik/health`` and ``/sicantik/metrics`` only render.

    The two public methods stay callable over RPC for administrators (a
    support session may want the live figures) and are guarded; the anonymous
    endpoint goes through :meth:`_cached_health_report` instead, which probes
    the backends at most once per ``health_cache_seconds``.
    """

    _name = "sicantik.health"
    _description = "SICANTIK health checks"

    @api.model
    def _health_checks(self):
        """Return ``{name: {"ok": bool|None, "detail": str, ...}}``.

        ``ok`` is ``None`` for a service that is not configured here: it is shown
        but does not make the product unhealthy.
        """
        self.env.cr.execute("SELECT 1")
        checks = {"postgresql": {"ok": True, "detail": "connected"}}
        get = settings.get
        if get("mysql_url"):
            checks.update(self._mysql_checks(get("mysql_url")))
        if get("s3_endpoint") and get("s3_bucket"):
            checks["s3"] = health.check_s3(
                get("s3_endpoint"),
                get("s3_access_key"),
                get("s3_secret_key"),
                get("s3_bucket"),
                secure=settings.get_bool("s3_secure", False),
            )
        if get("redis_url"):
            checks["redis"] = health.check_redis(get("redis_url"))
        if get("bsre_url"):
            checks["bsre"] = health.check_http(
                get("bsre_url"), verify=settings.get_bool("bsre_verify_tls", True)
            )
        for name in ("sicantik_mysql", "s3", "redis", "bsre"):
            checks.setdefault(name, {"ok": None, "detail": "not configured"})
        return checks

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
        check = health.check_mysql(url, tls_ca=tls_ca)
        # An explicit opt-out is shown, not counted as a failure.
        tls_ok = check["ok"] if tls_ca else None
        return {"sicantik_mysql": check, "mysql_tls": {"ok": tls_ok, "detail": state}}

    @api.model
    @guard("admin")
    def health_report(self):
        """A fresh probe round, for administrators (uncached on purpose)."""
        return self._health_report()

    @api.model
    def _health_report(self):
        checks = self._health_checks()
        healthy = all(check["ok"] is not False for check in checks.values())
        return {"status": "ok" if healthy else "error", "checks": checks}

    @api.model
    def _cached_health_report(self):
        """The report of the last probe round younger than the cache period.

        Keyed by database and by a digest of the probed settings (a changed
        endpoint is probed at once).  Redis errors only cost the sharing across
        workers, see :class:`~..lib.health.ReportCache`.
        """
        ttl = max(
            1, settings.get_int("health_cache_seconds", health.DEFAULT_CACHE_SECONDS)
        )
        fingerprint = health.config_fingerprint(
            {name: settings.get(name) for name in PROBED_SETTINGS}
        )
        key = f"{self.env.cr.dbname}:{fingerprint}"
        try:
            redis = get_redis()
        except Exception:
            redis = None
        return _REPORT_CACHE.get(key, self._health_report, ttl, redis=redis)

    @api.model
    def _clear_health_cache(self):
        """Drop this database's cached reports (tests, or after a repair)."""
        _REPORT_CACHE.clear(get_redis(), f"{self.env.cr.dbname}:")

    @api.model
    def _metrics(self):
        """Return ``(name, kind, help, value, labels)`` tuples (Prometheus)."""
        metrics = []
        # The cached round: a scraper polling every few seconds must not
        # probe the backends more often than the health endpoint does.
        checks = self._cached_health_report()["checks"]
        for name, check in checks.items():
            if check["ok"] is None:
                continue
            metrics.append(
                (
                    "sicantik_service_up",
                    "gauge",
                    "1 when the service answers as expected",
                    1 if check["ok"] else 0,
                    {"service": name},
                )
            )
        return metrics

    @api.model
    @guard("admin")
    def metrics_text(self):
        """Prometheus text, for administrators over RPC."""
        return self._metrics_text()

    @api.model
    def _metrics_text(self):
        return health.prometheus_text(self._metrics())
