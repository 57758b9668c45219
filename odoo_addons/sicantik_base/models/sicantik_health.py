from odoo import api, models

from ..guards import guard
from ..lib import health, settings
from ..lib.redis_client import get_redis

#: One per worker process; shared with the other workers through Redis.
_REPORT_CACHE = health.ReportCache()


class SicantikHealth(models.AbstractModel):
    """The registry of health checks and metrics; each addon registers its own.

    sicantik_base owns the endpoints (``/sicantik/health``, ``/sicantik/metrics``),
    the cache and the checks of what it uses itself (PostgreSQL, Redis).  Every
    other addon adds the checks of the services *it* uses by overriding
    ``_health_checks`` (sicantik_sync: SICANTIK MySQL and the sync lag;
    sicantik_audit: S3; sicantik_bsre: BSrE), the settings those checks read by
    overriding ``_health_settings`` (a change of one starts a new probe round),
    and its figures by overriding ``_metrics`` — always calling ``super()``.
    A check is ``{"ok": bool|None, "detail": str, ...}``; :meth:`_health_probe`
    runs a service check with the same shape and error handling everywhere.

    The two public methods stay callable over RPC for administrators (a
    support session may want the live figures) and are guarded; the anonymous
    endpoint goes through :meth:`_cached_health_report` instead, which probes
    the backends at most once per ``health_cache_seconds``.
    """

    _name = "sicantik.health"
    _description = "SICANTIK health checks"

    @api.model
    def _health_settings(self):
        """Names of the settings the checks read (extended by each addon)."""
        return ["redis_url"]

    @api.model
    def _health_probe(self, configured, func):
        """A service check: ``func() -> (ok, detail)`` when ``configured``,
        else ``ok: None`` (shown, but does not make the product unhealthy)."""
        if not configured:
            return {"ok": None, "detail": "not configured"}
        return health.probe(func)

    @api.model
    def _health_checks(self):
        """Return ``{name: {"ok": bool|None, "detail": str, ...}}``.

        ``ok`` is ``None`` for a service that is not configured here: it is shown
        but does not make the product unhealthy.
        """
        self.env.cr.execute("SELECT 1")
        checks = {"postgresql": {"ok": True, "detail": "connected"}}
        url = settings.get("redis_url")
        checks["redis"] = (
            health.check_redis(url) if url else {"ok": None, "detail": "not configured"}
        )
        return checks

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
            1,
            settings.get_seconds("health_cache_seconds", health.DEFAULT_CACHE_SECONDS),
        )
        fingerprint = health.config_fingerprint(
            {name: settings.get(name) for name in sorted(set(self._health_settings()))}
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
