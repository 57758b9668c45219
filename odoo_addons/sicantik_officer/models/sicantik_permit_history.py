from odoo import fields, models


class SicantikPermitHistory(models.Model):
    """Working days spent in each workflow step (written by the SLA update)."""

    _inherit = "sicantik.permit.history"

    working_days = fields.Integer(
        string="Working Days",
        readonly=True,
        help="Working days (Monday to Friday minus SICANTIK holidays) from the "
        "start of the step to its end, or to today for the current step.",
    )
