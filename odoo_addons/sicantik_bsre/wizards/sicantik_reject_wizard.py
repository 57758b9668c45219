"""The reason dialog of a rejection: no request goes back without one.

The wizard only collects the reason; :meth:`action_confirm` hands it to
``sicantik.signature.request.action_reject``, which checks who may act.
"""

from odoo import fields, models

from odoo.addons.sicantik_base.guards import guard

from ..models.sicantik_signature_request_step import REJECT_REASONS


class SicantikRejectWizard(models.TransientModel):
    _name = "sicantik.reject.wizard"
    _description = "Reject a Signature Request"

    request_id = fields.Many2one(
        "sicantik.signature.request", required=True, ondelete="cascade"
    )
    reason_kind = fields.Selection(
        REJECT_REASONS, string="Reason", required=True, default="document"
    )
    reason = fields.Text(string="Explanation", required=True)

    @guard("pejabat", "petugas")
    def action_confirm(self):
        self.ensure_one()
        self.request_id.action_reject(reason=self.reason, reason_kind=self.reason_kind)
        return {"type": "ir.actions.act_window_close"}
