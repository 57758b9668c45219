from odoo import api, models

from odoo.addons.sicantik_base.lib import health, settings
from odoo.addons.sicantik_base.lib.redis_client import get_redis

from ..lib import ratelimit


class SicantikHealth(models.AbstractModel):
    """The BSrE service for ``/sicantik/health``; signature and verification
    figures for ``/sicantik/metrics``."""

    _inherit = "sicantik.health"

    @api.model
    def _health_settings(self):
        return super()._health_settings() + ["bsre_url", "bsre_verify_tls"]

    @api.model
    def _health_checks(self):
        checks = super()._health_checks()
        url = settings.get_url("bsre_url")
        if url:
            verify = settings.get_bool("bsre_verify_tls", True)
            checks["bsre"] = health.check_http(url, verify=verify)
        else:
            checks["bsre"] = {"ok": None, "detail": "not configured"}
        return checks

    @api.model
    def _metrics(self):
        metrics = super()._metrics()
        self.env.cr.execute(
            "SELECT state, count(*) FROM sicantik_signature_request GROUP BY state"
        )
        counts = dict(self.env.cr.fetchall())
        for label, state in (
            ("ok", "signed"),
            ("failed", "failed"),
            ("unknown", "outcome_unknown"),
            ("signing", "signing"),
        ):
            metrics.append(
                (
                    "sicantik_signatures",
                    "gauge",
                    "Signature requests by outcome",
                    counts.get(state, 0),
                    {"outcome": label},
                )
            )
        try:
            redis = get_redis()
            today = ratelimit.read_counts(redis) if redis is not None else None
        except Exception:
            today = None
        if today is not None:
            for kind, value in today.items():
                metrics.append(
                    (
                        "sicantik_verifications_today",
                        "gauge",
                        "Public verification requests today",
                        value,
                        {"kind": kind},
                    )
                )
        return metrics
