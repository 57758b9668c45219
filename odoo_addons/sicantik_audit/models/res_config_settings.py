"""SICANTIK settings: the audit retention age, and logging every change.

Why log settings here: an administrator who shortens retention or changes the
office's time zone changes what the evidence means.  ``set_values`` records each
changed ``sicantik_*`` setting as ``config.change`` (old → new).  Values of
fields that look like secrets are never written, only the fact they changed —
secrets normally live in odoo.conf/the environment, not in this form.
"""

from odoo import fields, models

from odoo.addons.sicantik_base.guards import guard

SECRET_MARKERS = ("secret", "password", "passphrase", "token", "key")


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sicantik_audit_retention_days = fields.Integer(
        string="Audit retention (days)",
        config_parameter="sicantik_audit.retention_days",
        default=1825,
        help="Audit events older than this are archived to S3 and removed from "
        "the database by the retention scheduled action (inactive by default).",
    )

    def _sicantik_audit_snapshot(self):
        params = self.env["ir.config_parameter"].sudo()
        snapshot = {}
        for name, field in self._fields.items():
            if not name.startswith("sicantik_"):
                continue
            icp = getattr(field, "config_parameter", None)
            if icp:
                snapshot[name] = params.get_param(icp)
        return snapshot

    # Public (the settings form calls it through ``execute``), and every
    # public method is an RPC endpoint: only settings administrators, as the
    # settings form itself requires.
    @guard("base.group_system")
    def set_values(self):
        before = self._sicantik_audit_snapshot()
        res = super().set_values()
        after = self._sicantik_audit_snapshot()
        changes = {}
        for name, old in before.items():
            new = after.get(name)
            if (old or False) == (new or False):
                continue
            if any(marker in name for marker in SECRET_MARKERS):
                changes[name] = {"changed": True}
            else:
                changes[name] = {"old": old, "new": new}
        if changes:
            self.env["sicantik.audit.event"].log(
                "config.change",
                summary="SICANTIK settings changed: " + ", ".join(sorted(changes)),
                details={"changes": changes},
            )
        return res
