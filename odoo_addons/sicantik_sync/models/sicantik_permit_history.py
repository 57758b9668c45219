from odoo import fields, models


class SicantikPermitHistory(models.Model):
    """One workflow step of a permit (``tmtrackingperizinan``).

    Start and end are converted from the office's local time to UTC; the
    duration is computed once at sync time so lists and reports need no math.
    """

    _name = "sicantik.permit.history"
    _inherit = "sicantik.mirror.mixin"
    _description = "SICANTIK Permit Status History"
    _order = "permit_id, date_start, sicantik_id"

    permit_id = fields.Many2one(
        "sicantik.permit",
        string="Permit",
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    status_id = fields.Many2one("sicantik.status", string="Status", readonly=True)
    date_start = fields.Datetime(string="Start", readonly=True)
    date_end = fields.Datetime(string="End", readonly=True)
    is_open = fields.Boolean(string="Current Step", readonly=True)
    duration_hours = fields.Float(string="Duration (hours)", readonly=True)
    source_stamp = fields.Char(readonly=True)
    permit_sid = fields.Integer(string="SICANTIK Permit ID", readonly=True, index=True)
    status_sid = fields.Integer(string="SICANTIK Status ID", readonly=True)
