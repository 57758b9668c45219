"""The official's BSrE identity lives on the user, readable by admins only.

Why on ``res.users`` and not on ``sicantik.official``: the signing identity
belongs to the person who logs in and types the passphrase, while
``sicantik.official`` is a read-only mirror of SICANTIK's ``tmpegawai`` (the
sync would overwrite or ignore anything we add there, and a mirror row has no
login).  The NIK is personal data: the field is restricted to SICANTIK
administrators; everyone else (the official included) sees a masked value.

``sicantik_official_id`` is the one link from a login to the mirrored
official: a permit's designated signer is the user linked to the permit's
``official_id``, and nobody else may approve or sign it (see
``sicantik.signature.request._designated_signers``).  Administrators set it;
one official has at most one user, or "who may sign" would be ambiguous.

The certificate's last known status (``sicantik.bsre.certificate``, written by
the signing dialog and the daily watch) shows on the user form for
administrators and in the official's own preferences; nobody else reads it.
"""

import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib.client import mask_nik

NIK_RE = re.compile(r"^\d{16}$")


class ResUsers(models.Model):
    _inherit = "res.users"

    bsre_nik = fields.Char(
        string="BSrE NIK",
        groups="sicantik_base.group_admin",
        copy=False,
        help="16-digit NIK registered with BSrE for this signing official.",
    )
    bsre_nik_masked = fields.Char(
        string="BSrE NIK (masked)", compute="_compute_bsre_nik_masked"
    )
    bsre_specimen = fields.Binary(
        string="Signature Specimen",
        groups="sicantik_base.group_admin",
        attachment=True,
        help="Optional image drawn beside the QR code in the visible signature.",
    )
    sicantik_official_id = fields.Many2one(
        "sicantik.official",
        string="SICANTIK Official",
        groups="sicantik_base.group_admin",
        copy=False,
        index=True,
        ondelete="set null",
        help="The official (SICANTIK employee) this user is. Only this user may "
        "approve and sign the permits that name this official as signatory.",
    )

    bsre_certificate_status = fields.Char(
        string="BSrE Certificate Status",
        compute="_compute_bsre_certificate",
        help="Last status BSrE reported for this official's certificate "
        "(only ISSUE can sign); checked daily and when signing.",
    )
    bsre_certificate_checked_at = fields.Datetime(
        string="Certificate Last Checked", compute="_compute_bsre_certificate"
    )

    _sql_constraints = [
        (
            "sicantik_official_uniq",
            "unique(sicantik_official_id)",
            "A SICANTIK official is linked to one user only.",
        )
    ]

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + [
            "bsre_certificate_status",
            "bsre_certificate_checked_at",
        ]

    @api.depends_context("uid")
    def _compute_bsre_certificate(self):
        """Administrators see every official's status, a user only their own."""
        admin = self.env.user.has_group("sicantik_base.group_admin")
        shown = self if admin else self.filtered(lambda u: u == self.env.user)
        certs = (
            self.env["sicantik.bsre.certificate"]
            .sudo()
            .search([("user_id", "in", shown.ids)])
        )
        by_user = {cert.user_id.id: cert for cert in certs}
        for user in self:
            cert = by_user.get(user.id)
            user.bsre_certificate_status = cert.status if cert else False
            user.bsre_certificate_checked_at = cert.checked_at if cert else False

    def _compute_bsre_nik_masked(self):
        for user in self:
            nik = user.sudo().bsre_nik
            user.bsre_nik_masked = mask_nik(nik) if nik else False

    @api.constrains("bsre_nik")
    def _check_bsre_nik(self):
        for user in self.sudo():
            if user.bsre_nik and not NIK_RE.match(user.bsre_nik):
                raise ValidationError(_("A NIK has exactly 16 digits."))
