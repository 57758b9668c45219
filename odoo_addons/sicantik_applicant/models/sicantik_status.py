from odoo import fields, models


class SicantikStatus(models.Model):
    _inherit = "sicantik.status"

    notify_applicant = fields.Boolean(
        string="Notify the Applicant",
        help="When an application enters this step, the applicant gets an "
        "e-mail and (with consent) a WhatsApp message. Chosen by the office.",
    )
