"""``/sicantik/health`` and ``/sicantik/metrics``.

Why the health answer depends on who asks: the route is anonymous (Docker,
nginx and uptime monitors poll it without a session), so the public sees only
``{"status": "ok"|"unavailable"}`` and the status code, never which backend
failed nor an exception text.  Internal addresses (``is_internal``; narrowed by
the ``internal_networks`` setting) get the detailed report.  Both come from
the same cached probe round, so no request rate makes us open more than one
MySQL, S3, Redis or BSrE connection per cache period.
"""

import logging

from odoo import SUPERUSER_ID, api, http
from odoo.http import request
from odoo.modules.registry import Registry
from odoo.service import db as db_service

from ..lib import health, settings

_logger = logging.getLogger(__name__)


def _database():
    """The database to report on: the request's, else the only one served."""
    if request.db:
        return request.db
    names = http.db_list(force=True)
    return names[0] if len(names) == 1 else None


def _with_env(func):
    """Run ``func(env)`` as superuser on the served database, or return None."""
    if request.db:
        return func(request.env(su=True))
    db = _database()
    if not db or db not in db_service.list_dbs(force=True):
        return None
    with Registry(db).cursor() as cr:
        return func(api.Environment(cr, SUPERUSER_ID, {}))


def _internal():
    """Whether the caller's address may see details (see the module doc)."""
    return health.is_internal(
        request.httprequest.remote_addr, settings.get("internal_networks")
    )


def _cached_report(env):
    # A savepoint: a failing check must not leave the request's transaction
    # aborted (the response is still sent, and committed).
    with env.cr.savepoint():
        return env["sicantik.health"]._cached_health_report()


class SicantikHealthController(http.Controller):
    @http.route(
        "/sicantik/health",
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def health(self):
        """200 when every configured service answers, 503 otherwise (for probes)."""
        try:
            report = _with_env(_cached_report)
        except Exception:
            _logger.exception("health report failed")
            report = {"status": "error", "checks": {}, "detail": "health check failed"}
        if report is None:
            report = {"status": "error", "checks": {}, "detail": "no database"}
        healthy = report["status"] == "ok"
        status = 200 if healthy else 503
        if not _internal():
            report = {"status": "ok" if healthy else "unavailable"}
        return request.make_json_response(
            report, status=status, headers=[("Cache-Control", "no-store")]
        )

    @http.route(
        ["/sicantik/metrics", "/metrics"],
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def metrics(self):
        """Prometheus metrics, for internal networks only (nginx also blocks it)."""
        if not _internal():
            return request.make_response("Not Found", status=404)
        text = _with_env(lambda env: env["sicantik.health"]._metrics_text())
        if text is None:
            return request.make_response("no database\n", status=503)
        return request.make_response(
            text, headers=[("Content-Type", "text/plain; version=0.0.4")]
        )
