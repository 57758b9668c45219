from odoo import fields, models


class SicantikPermitType(models.Model):
    """Who looks after expiring permits of a type.

    The sync's upsert writes only the columns it mirrors, so these
    Odoo-side settings survive every synchronisation.
    """

    _inherit = "sicantik.permit.type"

    expiry_user_id = fields.Many2one(
        "res.users",
        string="Expiry Officer",
        help="Receives the expiry reminders (activities) of this permit type. "
        "Empty: the first SICANTIK administrator.",
        domain=lambda self: [
            ("groups_id", "in", self.env.ref("sicantik_base.group_petugas").id)
        ],
    )
