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
"""

import hashlib
import re

from odoo import api, fields, models

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
        from odoo.addons.sicantik_base.lib.redis_client import get_redis

        from ..lib.ratelimit import PREFIX

        try:
            redis = get_redis()
            if redis is not None:
                keys = [f"{PREFIX}summary:{r.token_hash}" for r in (records or self)]
                if keys:
                    redis.delete(*keys)
        except Exception:  # a cache that cannot be cleared expires by itself
            return False
        return True

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
