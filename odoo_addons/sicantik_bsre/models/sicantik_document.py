"""Follow the documents: automatic requests, and a request button on the form."""

from odoo import api, models

from odoo.addons.sicantik_base.guards import guard

from .sicantik_sync import trigger_crons


class SicantikDocument(models.Model):
    """A stored original may complete a decided permit and so call for an
    automatic signature request; officers can also ask from the form."""

    _inherit = "sicantik.document"

    @api.model
    def _sicantik_after_version_stored(self, version):
        result = super()._sicantik_after_version_stored(version)
        if version.kind == "original":
            trigger_crons(self.env, ("sicantik_bsre.ir_cron_auto_request",))
        return result

    @guard("petugas")
    def action_request_signature(self):
        return self.env["sicantik.signature.request"]._request_from_button(self)
