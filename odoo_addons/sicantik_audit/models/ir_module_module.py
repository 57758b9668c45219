"""Uninstalling the audit module archives the chain first, or is refused.

Why: Odoo's uninstall drops the event and checkpoint tables (the trigger only
guards rows) — one click in Apps and the evidence is gone.  When the audit
module would be removed (itself, or an addon it depends on), the remaining
chain is archived to S3 and its head anchored *before* the module is marked for
removal; when S3 is unreachable, or the tables are locked down, the uninstall
is refused with the reason.  ``uninstall_hook`` archives once more whatever was
logged in between.
"""

from odoo import _, models
from odoo.exceptions import UserError

from odoo.addons.sicantik_base.guards import guard

from .audit_event import owns_audit_tables


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    @guard("base.group_system")
    def button_uninstall(self):
        removed = self | self.downstream_dependencies()
        if "sicantik_audit" in removed.mapped("name"):
            if not owns_audit_tables(self.env.cr):
                raise UserError(
                    _(
                        "The audit tables are locked down: run "
                        "'odoo-bin sicantik_audit unlock' before uninstalling."
                    )
                )
            self.env["sicantik.audit.event"].sudo()._audit_archive_all()
        return super().button_uninstall()
