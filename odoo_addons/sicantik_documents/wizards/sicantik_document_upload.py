import base64
import binascii
import hashlib
import io

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.sicantik_base.guards import guard

from ..lib.scanner import content_problem
from ..models import services


class SicantikDocumentUpload(models.TransientModel):
    """Officers add a PDF to a permit's dossier by hand.

    Same checks as the folder import (content must start with ``%PDF-``, not
    empty, within the size limit), then the same path: a new immutable
    version streamed to S3, or kept ``pending_upload`` while S3 is down.  The
    file reaches Odoo as a form field, so it is in memory once here (see
    ROADMAP); the wizard's copy lives in the filestore (an attachment, not a
    database column) and is cleared after the upload.

    Signed and re-signed versions are not offered: they come from the signing
    service only, so a signed-looking PDF cannot be slipped in by hand.
    """

    _name = "sicantik.document.upload"
    _description = "Upload a SICANTIK Permit Document"

    permit_id = fields.Many2one("sicantik.permit", string="Permit", required=True)
    kind = fields.Selection(
        [
            ("original", "Original"),
            ("attachment", "Attachment"),
        ],
        required=True,
        default="original",
    )
    file = fields.Binary(string="PDF File", required=True)
    filename = fields.Char()

    def _check_content(self, data):
        """The folder import's content check, with the officer's wording."""
        limit = services.max_size()
        problem = content_problem(data[:16], len(data), limit)
        if not problem:
            return
        messages = {
            "empty": _("The file is empty (0 bytes)."),
            "too_large": _(
                "The file is larger than the configured limit (%(size)s "
                "bytes, limit %(limit)s bytes).",
                size=len(data),
                limit=limit,
            ),
            "not_pdf": _("The content is not a PDF (no %PDF- header)."),
        }
        raise UserError(messages[problem[0]])

    @guard("petugas")
    def action_upload(self):
        self.ensure_one()
        if self.create_uid != self.env.user and not self.env.su:
            raise AccessError(_("This upload belongs to another user."))
        self.permit_id.check_access("read")
        try:
            data = base64.b64decode(self.file or b"", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise UserError(_("The file could not be read.")) from exc
        self._check_content(data)
        sha256 = hashlib.sha256(data).hexdigest()
        Document = self.env["sicantik.document"]
        duplicate = Document.sudo().search(
            [
                ("permit_id", "=", self.permit_id.id),
                ("kind", "=", self.kind),
                ("sha256", "=", sha256),
            ],
            limit=1,
        )
        if duplicate:
            raise UserError(
                _(
                    "This file is already stored as %(name)s.",
                    name=duplicate.display_name,
                )
            )
        doc = Document._create_version(
            self.permit_id,
            self.kind,
            lambda: io.BytesIO(data),
            sha256,
            len(data),
            self.filename or f"{self.permit_id.name}.pdf",
            "upload",
            fallback_bytes=data,
        )
        self.env["sicantik.audit.event"].log(
            "document.import",
            summary=f"{doc.display_name} uploaded by hand ({doc.state})",
            record=doc,
            details={"sha256": sha256, "size": len(data), "state": doc.state},
        )
        # clear the transient copy: the wizard row must not keep the file
        self.file = False
        return {
            "type": "ir.actions.act_window",
            "res_model": "sicantik.document",
            "res_id": doc.id,
            "view_mode": "form",
            "target": "current",
        }
