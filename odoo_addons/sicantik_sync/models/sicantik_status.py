from odoo import fields, models


class SicantikStatus(models.Model):
    """A workflow status of SICANTIK (``trstspermohonan``).

    Names are read from SICANTIK, never hard-coded: deployments number and name
    their steps differently (``docs/reference/sicantik.md#status-ids``).
    """

    _name = "sicantik.status"
    _inherit = "sicantik.mirror.mixin"
    _description = "SICANTIK Permit Status"
    _order = "sicantik_id"

    name = fields.Char(required=True, readonly=True)
    permit_count = fields.Integer(compute="_compute_permit_count")

    def _compute_permit_count(self):
        data = self.env["sicantik.permit"]._read_group(
            [("status_id", "in", self.ids)], ["status_id"], ["__count"]
        )
        counts = {status.id: count for status, count in data}
        for status in self:
            status.permit_count = counts.get(status.id, 0)
