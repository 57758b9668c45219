from odoo import api, models

from odoo.addons.sicantik_base.lib import s3, settings

#: An event still unsealed after this long means sealing is not happening
#: (post-commit seals failing and the seal cron not running).
PENDING_ALERT_SECONDS = 600


class SicantikHealth(models.AbstractModel):
    """S3 and the audit sealing lag in ``/sicantik/health`` and
    ``/sicantik/metrics``.

    The S3 check lives here because the audit trail is the first addon that
    writes to the bucket (anchors, archives); sicantik_documents, which keeps
    the permit files in the same bucket, depends on this addon.

    Events are sealed right after their commit; one that stays pending for
    minutes is the symptom of a broken seal path, which an operator must see
    before an auditor does.
    """

    _inherit = "sicantik.health"

    @api.model
    def _health_settings(self):
        return super()._health_settings() + list(s3.REQUIRED) + ["s3_secure"]

    @api.model
    def _health_checks(self):
        checks = super()._health_checks()
        configured = settings.get("s3_endpoint") and settings.get("s3_bucket")
        checks["s3"] = self._health_probe(
            configured, lambda: s3.bucket_ready(settings.SETTINGS.s3())
        )
        pending = self.env["sicantik.audit.event"].sudo()._audit_pending()
        checks["audit_chain"] = {
            "ok": pending["pending_oldest"] <= PENDING_ALERT_SECONDS,
            "detail": "{} event(s) not sealed yet, oldest {:.0f} s".format(
                pending["pending"], pending["pending_oldest"]
            ),
            **pending,
        }
        # Required secrets: without them visitors get no key and anchors
        # cannot be written or verified (no fallback, see audit_event.py).
        checks["audit_salt"] = {
            "ok": bool(settings.get("audit_salt")),
            "detail": "SICANTIK_AUDIT_SALT configured"
            if settings.get("audit_salt")
            else "SICANTIK_AUDIT_SALT missing: visitors are logged without a key",
        }
        checks["audit_anchor_key"] = {
            "ok": bool(settings.get("audit_anchor_key")),
            "detail": "SICANTIK_AUDIT_ANCHOR_KEY configured"
            if settings.get("audit_anchor_key")
            else "SICANTIK_AUDIT_ANCHOR_KEY missing: the chain is not anchored",
        }
        return checks

    @api.model
    def _metrics(self):
        metrics = super()._metrics()
        pending = self.env["sicantik.audit.event"].sudo()._audit_pending()
        metrics += [
            (
                "sicantik_audit_pending_events",
                "gauge",
                "Audit events logged but not sealed into the hash chain yet",
                pending["pending"],
                {},
            ),
            (
                "sicantik_audit_pending_oldest_seconds",
                "gauge",
                "Age of the oldest audit event not sealed yet",
                pending["pending_oldest"],
                {},
            ),
        ]
        return metrics
