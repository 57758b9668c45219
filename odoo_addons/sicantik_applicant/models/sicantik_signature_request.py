from odoo import models


class SicantikSignatureRequest(models.Model):
    _inherit = "sicantik.signature.request"

    def _store_signed(self, data, id_dokumen=None, warning=None, original=None):
        """Once the signed version is stored, tell the holder it is ready.

        Queued in the signing transaction (the row is only a claim): if the
        signing rolls back, so does the notification.
        """
        doc = super()._store_signed(
            data, id_dokumen=id_dokumen, warning=warning, original=original
        )
        self.env["sicantik.applicant.message"]._queue(
            self.document_id.permit_id, "signed"
        )
        return doc
