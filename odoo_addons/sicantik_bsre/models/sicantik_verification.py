"""The public, non-personal summary behind a QR code.

Why a separate model: the public page must never read the permit (which holds
the applicant's NIK, address and phone) — a bug in a template or a controller
could then leak them.  At signing time the few facts the public may see are
copied here, already masked; the page reads only this table (and a Redis
cache of it).  Status changes that happen later are folded in without touching
personal data: ``revoked`` is refreshed from the permit by a cron (the sync
writes permits with set-based SQL, so no ORM hook would fire), ``replaced`` is
set when a newer signature of the same permit is published, and ``expired`` is
computed from the stored expiry date when the page is shown.

The public routes are HTTP only: the lookup, the per-token Redis cache of the
summary and of the rendered page (``lib/public_cache``), and the uploaded
file check live here, so that every route (page, JSON API, upload API) gets
the same answer from one place, and the summary is built by one method,
:meth:`_public_dict`.
"""

import hashlib
import hmac
import logging
import re
from zoneinfo import ZoneInfo

from odoo import api, fields, models

from odoo.addons.sicantik_base.lib import id_format, settings
from odoo.addons.sicantik_base.lib.redis_client import get_redis

from ..lib import offline_verify, public_cache
from . import services

_logger = logging.getLogger(__name__)

#: What a verification token looks like (``secrets.token_urlsafe``).
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
STATUS_LABELS = {
    "valid": "Berlaku",
    "expired": "Kedaluwarsa",
    "revoked": "Dicabut",
    "replaced": "Digantikan oleh dokumen yang lebih baru",
}

#: Legal-form words of company names that carry no personal data.
LEGAL_FORMS = {"PT", "PT.", "CV", "CV.", "UD", "UD.", "KOPERASI", "YAYASAN", "TBK"}


def mask_name(name):
    """``Rudi Sembiring`` → ``R*** S********`` (company legal forms kept)."""
    words = re.split(r"\s+", (name or "").strip())
    masked = []
    for word in words:
        if not word:
            continue
        if word.upper() in LEGAL_FORMS or len(word) == 1:
            masked.append(word)
        else:
            masked.append(word[0] + "*" * (len(word) - 1))
    return " ".join(masked)


class SicantikVerification(models.Model):
    _name = "sicantik.verification"
    _description = "SICANTIK Public Verification Summary"
    _order = "id desc"
    _rec_name = "permit_number"

    token = fields.Char(required=True, readonly=True, index=True)
    token_hash = fields.Char(readonly=True, index=True)
    request_id = fields.Many2one(
        "sicantik.signature.request", readonly=True, ondelete="cascade"
    )
    permit_id = fields.Many2one("sicantik.permit", readonly=True, index=True)
    permit_number = fields.Char(readonly=True)
    registration_number = fields.Char(readonly=True)
    permit_type = fields.Char(readonly=True)
    holder_masked = fields.Char(string="Holder (masked)", readonly=True)
    issue_date = fields.Date(readonly=True)
    expiry_date = fields.Date(readonly=True)
    signer_name = fields.Char(readonly=True)
    signer_position = fields.Char(readonly=True)
    on_behalf = fields.Char(
        string="Signed For",
        readonly=True,
        help="Under a delegation: the office signed for (a.n. / Plt. / Plh.).",
    )
    signed_at = fields.Datetime(readonly=True)
    sha256 = fields.Char(string="SHA-256", readonly=True, index=True)
    revoked = fields.Boolean(readonly=True)
    replaced = fields.Boolean(readonly=True)

    _sql_constraints = [("token_uniq", "unique(token)", "Tokens are unique.")]

    @api.model
    def _publish(self, request, sha256):
        """Create the summary of a freshly signed request."""
        permit = request.document_id.permit_id.sudo()
        holder = permit.company_id.name or permit.applicant_id.name or ""
        # The person who really signed, with their own position — not the
        # signatory SICANTIK printed on the SK (they differ under delegation),
        # and for whom they signed (a.n. / Plt. / Plh. with the office).
        signer = (request.signed_by_id or request.official_id).sudo()
        delegation = request.sudo().delegation_id
        older = self.search([("permit_id", "=", permit.id), ("replaced", "=", False)])
        older.write({"replaced": True})
        token = request.sudo().verification_token
        summary = self.create(
            {
                "token": token,
                "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                "request_id": request.id,
                "permit_id": permit.id,
                "permit_number": permit.sk_number or permit.name,
                "registration_number": permit.name,
                "permit_type": permit.permit_type_id.name or "",
                "holder_masked": mask_name(holder),
                "issue_date": permit.sk_date or request.signed_at.date(),
                "expiry_date": permit.valid_until,
                "signer_name": signer.name,
                "signer_position": signer.sicantik_official_id.position or False,
                "on_behalf": delegation._office_line() if delegation else False,
                "signed_at": request.signed_at,
                "sha256": sha256,
                "revoked": bool(permit.is_revoked),
            }
        )
        self._invalidate_public_cache(older | summary)
        return summary

    def _status(self, today=None):
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        if self.revoked:
            return "revoked"
        if self.replaced:
            return "replaced"
        if self.expiry_date and self.expiry_date < today:
            return "expired"
        return "valid"

    def _public_dict(self):
        """Everything the public may see; nothing else ever leaves."""
        self.ensure_one()
        return {
            "token": self.token,
            "status": self._status(),
            "permit_number": self.permit_number,
            "registration_number": self.registration_number,
            "permit_type": self.permit_type,
            "holder": self.holder_masked,
            "issue_date": fields.Date.to_string(self.issue_date),
            "expiry_date": fields.Date.to_string(self.expiry_date),
            "signer": self.signer_name,
            "signer_position": self.signer_position or None,
            "on_behalf": self.on_behalf or None,
            "signed_at": self.signed_at.isoformat() + "Z" if self.signed_at else None,
            "sha256": self.sha256,
        }

    def _invalidate_public_cache(self, records=None):
        """Drop the cached summary and page of these tokens (all workers)."""
        try:
            redis = get_redis()
            if redis is not None:
                public_cache.invalidate(redis, (records or self).mapped("token_hash"))
        except Exception:  # a cache that cannot be cleared expires by itself
            return False
        return True

    # ------------------------------------------------------------------
    # what the public routes read
    # ------------------------------------------------------------------
    @api.model
    def _public_view(self, token, page=False):
        """``(summary, html)`` of ``token``, from the cache when possible.

        ``summary`` is :meth:`_public_dict` plus ``_id`` (the record, for the
        audit event), or ``None`` for an unknown token; ``html`` is the
        rendered page (bytes) when ``page`` is asked for and the token exists.
        Redis down: both are computed from the database, nothing is cached.
        """
        if not token or not TOKEN_RE.match(token):
            return None, None
        token_hash = hashlib.sha256(token.encode()).hexdigest()
        try:
            redis = get_redis()
            summary, html = (
                public_cache.get(redis, token_hash, page)
                if redis is not None
                else (public_cache.MISSING, public_cache.MISSING)
            )
        except Exception:
            redis = None
            summary = html = public_cache.MISSING
        fresh = {}
        if summary is public_cache.MISSING:
            summary = fresh["summary"] = self._public_summary(token, token_hash)
        if not (page and summary):
            html = None
        elif html is public_cache.MISSING:
            html = fresh["page"] = self._public_render(summary)
        if redis is not None and fresh:
            try:
                ttl = services.int_param(self.env, "verify_cache_seconds")
                public_cache.put(redis, token_hash, ttl, **fresh)
            except Exception:
                _logger.debug("verification cache unavailable")
        return summary, html

    @api.model
    def _public_summary(self, token, token_hash):
        record = self.sudo().search([("token_hash", "=", token_hash)], limit=1)
        if not record or not hmac.compare_digest(record.token, token):
            return None
        return dict(record._public_dict(), _id=record.id)

    @api.model
    def _public_page_values(self, data, check=None):
        """QWeb values of the public page for a summary (and an upload check)."""
        param = self.env["ir.config_parameter"].sudo()
        tz_name = settings.timezone(self.env)
        return {
            "doc": data,
            "office": param.get_param("sicantik_base.office_name") or "DPMPTSP",
            "status_label": STATUS_LABELS.get(data["status"], data["status"]),
            "issue_date": id_format.format_date_id(data.get("issue_date"), empty="-"),
            "expiry_date": id_format.format_date_id(data.get("expiry_date"), empty="-"),
            "signed_at": id_format.format_datetime_id(
                data.get("signed_at"), tz=ZoneInfo(tz_name), empty="-"
            ),
            "check": check,
            "max_mb": services.int_param(self.env, "verify_max_upload_mb"),
        }

    @api.model
    def _public_render(self, data, check=None):
        """The public page as UTF-8 bytes."""
        html = self.env["ir.qweb"]._render(
            "sicantik_bsre.verify_page", self._public_page_values(data, check)
        )
        return str(html).encode()

    @api.model
    def _public_check_file(self, data, expected=None):
        """Is ``data`` a version we signed, and is its signature valid?

        ``expected`` is the summary the visitor is looking at (the page's
        upload); without it the SHA-256 is looked up among every summary.
        Returns ``None`` when the file exceeds the bounds of the offline check.
        """
        digest = hashlib.sha256(data).hexdigest()
        if expected is None:
            match = self.sudo().search([("sha256", "=", digest)], limit=1)
            expected_data = dict(match._public_dict(), _id=match.id) if match else None
        else:
            expected_data = expected if expected.get("sha256") == digest else None
        result = offline_verify.verify_pdf(data, services.trust_roots())
        if result.status == "too_complex":
            return None
        return {
            "sha256": digest,
            "hash_match": bool(expected_data),
            "document": expected_data,
            "signature": {
                "status": result.status,
                "valid": result.valid,
                "message": result.message_id,
                "signature_count": result.signature_count,
                "modified_after_signing": result.modified_after_signing,
                "signers": [
                    {
                        "name": sig.signer_cn,
                        "intact": sig.intact,
                        "trusted": sig.trusted,
                        "signing_time": sig.signing_time.isoformat()
                        if sig.signing_time
                        else None,
                    }
                    for sig in result.signatures
                ],
            },
        }

    @api.model
    def _cron_refresh_revocations(self):
        """Fold permit revocations (written by the sync with SQL) into summaries."""
        self.env["sicantik.permit"].flush_model(["is_revoked"])
        self.flush_model(["revoked"])
        self.env.cr.execute(
            "UPDATE sicantik_verification v SET revoked = COALESCE(p.is_revoked, false)"
            " FROM sicantik_permit p WHERE v.permit_id = p.id"
            " AND v.revoked IS DISTINCT FROM COALESCE(p.is_revoked, false)"
            " RETURNING v.id"
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        changed = self.browse(ids)
        changed.invalidate_recordset(["revoked"])
        changed._invalidate_public_cache()
        return len(ids)
