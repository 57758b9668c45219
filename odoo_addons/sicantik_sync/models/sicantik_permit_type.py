from odoo import fields, models


class SicantikPermitType(models.Model):
    """A permit type of SICANTIK (``trperizinan``)."""

    _name = "sicantik.permit.type"
    _inherit = "sicantik.mirror.mixin"
    _description = "SICANTIK Permit Type"
    _order = "name"

    name = fields.Char(required=True, readonly=True)
    code = fields.Char(readonly=True)
    sla_days = fields.Integer(string="SLA (days)", readonly=True)
    validity_amount = fields.Integer(string="Validity", readonly=True)
    validity_unit = fields.Selection(
        [
            ("hari", "Days"),
            ("minggu", "Weeks"),
            ("bulan", "Months"),
            ("tahun", "Years"),
        ],
        readonly=True,
    )
