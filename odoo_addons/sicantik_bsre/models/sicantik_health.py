from odoo import api, models

from odoo.addons.sicantik_base.lib.redis_client import get_redis

from ..lib import ratelimit


class SicantikHealth(models.AbstractModel):
    """Signature and verification figures for ``/sicantik/metrics``."""

    _inherit = "sicantik.health"

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
