"""Downloads of permit documents: access-checked, streamed, audited.

Why through Odoo and not a public S3 link: the bucket is private, versions
are encrypted at rest, and every read of a permit (personal data) must
leave an audit event.  The controller checks the user's rights on the record
(ACLs and record rules; an inaccessible or unknown id is a plain 404 so ids
cannot be probed), writes the ``document.download`` event, and returns a
streamed response that decrypts chunk by chunk.  The generator touches no
cursor, so the body is sent after the request's transaction has committed.

Large unencrypted files may be handed out as a presigned S3 link
(``?direct=1``, only above ``sicantik_doc_presign_min_mb``) that expires within
minutes; the access check and the audit event happen here first.
"""

import logging
from urllib.parse import quote

from werkzeug.exceptions import NotFound, ServiceUnavailable

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.sicantik_base.lib import settings

from ..lib import store
from ..models import services

_logger = logging.getLogger(__name__)


class SicantikDocumentController(http.Controller):
    @http.route(
        "/sicantik/document/<int:document_id>/download",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def download(self, document_id, inline=None, direct=None, **_kw):
        doc = request.env["sicantik.document"].browse(document_id).exists()
        try:
            doc.check_access("read")
            doc.ensure_one()
        except (AccessError, MissingError, ValueError) as exc:
            raise NotFound() from exc
        try:
            doc._check_downloadable()
        except UserError as exc:
            raise NotFound() from exc
        filename = doc._download_filename()
        presign_min = settings.get_int("doc_presign_min_mb", 20) * 1024 * 1024
        use_link = direct and not doc.encrypted and doc.size >= presign_min
        try:
            if use_link:
                url = services.get_store().presigned_url(
                    doc.object_key, filename=filename
                )
                self._audit(doc, "presigned")
                return request.redirect(url, code=303, local=False)
            chunks = doc.sudo()._stream()
            # fetch the first chunk now: an unreachable S3 or a missing object
            # becomes a clean error page instead of a broken transfer
            first = next(chunks, b"")
        except store.StoreUnavailable as exc:
            _logger.warning("download of document %s: %s", doc.id, exc)
            raise ServiceUnavailable() from exc
        except store.ObjectMissing as exc:
            raise NotFound() from exc

        self._audit(doc, "inline" if inline else "file")

        def body():
            yield first
            yield from chunks

        disposition = "inline" if inline else "attachment"
        headers = [
            ("Content-Type", doc.mimetype or "application/pdf"),
            ("Content-Length", str(doc.size)),
            (
                "Content-Disposition",
                f"{disposition}; filename*=UTF-8''{quote(filename)}",
            ),
            ("Cache-Control", "private, no-store"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        return request.make_response(body(), headers=headers)

    def _audit(self, doc, mode):
        """Written in the request's transaction: a failed request leaves none."""
        request.env["sicantik.audit.event"].log(
            "document.download",
            summary=f"{doc.display_name} downloaded",
            record=doc,
            details={"sha256": doc.sha256, "mode": mode, "version": doc.version},
        )
