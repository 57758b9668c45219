from odoo import api, models

from .sicantik_sync import trigger_crons


class SicantikDocument(models.Model):
    """Follow the documents: a stored original may complete a decided permit
    and so call for an automatic signature request (where that cron exists)."""

    _inherit = "sicantik.document"

    @api.model
    def _sicantik_after_version_stored(self, version):
        result = super()._sicantik_after_version_stored(version)
        if version.kind == "original":
            trigger_crons(self.env, ("sicantik_bsre.ir_cron_auto_request",))
        return result
