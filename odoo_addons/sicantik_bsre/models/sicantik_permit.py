"""Request a signature from the permit itself (form button, list action)."""

from odoo import models

from odoo.addons.sicantik_base.guards import guard


class SicantikPermit(models.Model):
    _inherit = "sicantik.permit"

    @guard("petugas")
    def action_request_signature(self):
        """The newest stored original of each selected permit goes for
        signature, routed like an automatic request; no dropdown to search."""
        documents = self.env["sicantik.document"]
        for permit in self:
            originals = permit.document_ids.filtered(
                lambda d: d.kind == "original" and d.state == "stored"
            ).sorted("version", reverse=True)
            documents |= originals[:1]
        return self.env["sicantik.signature.request"]._request_from_button(documents)
