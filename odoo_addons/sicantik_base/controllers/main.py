import ipaddress

from odoo import SUPERUSER_ID, api, http
from odoo.http import request
from odoo.modules.registry import Registry
from odoo.service import db as db_service


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
        report = _with_env(lambda env: env["sicantik.health"].health_report())
        if report is None:
            report = {"status": "error", "checks": {}, "detail": "no database"}
        status = 200 if report["status"] == "ok" else 503
        return request.make_json_response(report, status=status)

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
        addr = request.httprequest.remote_addr or ""
        try:
            internal = ipaddress.ip_address(addr).is_private
        except ValueError:
            internal = False
        if not internal:
            return request.make_response("Not Found", status=404)
        text = _with_env(lambda env: env["sicantik.health"].metrics_text())
        if text is None:
            return request.make_response("no database\n", status=503)
        return request.make_response(
            text, headers=[("Content-Type", "text/plain; version=0.0.4")]
        )
