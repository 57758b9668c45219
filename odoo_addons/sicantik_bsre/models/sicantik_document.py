"""Request a signature from the document form."""

from odoo import models

from odoo.addons.sicantik_base.guards import guard


class SicantikDocument(models.Model):
    _inherit = "sicantik.document"

    @guard("petugas")
    def action_request_signature(self):
        return self.env["sicantik.signature.request"]._request_from_button(self)
