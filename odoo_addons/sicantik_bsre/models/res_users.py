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

    _sql_constraints = [
        (
            "sicantik_official_uniq",
            "unique(sicantik_official_id)",
            "A SICANTIK official is linked to one user only.",
        )
    ]

    def _compute_bsre_nik_masked(self):
        for user in self:
            nik = user.sudo().bsre_nik
            user.bsre_nik_masked = mask_nik(nik) if nik else False

    @api.constrains("bsre_nik")
    def _check_bsre_nik(self):
        for user in self.sudo():
            if user.bsre_nik and not NIK_RE.match(user.bsre_nik):
                raise ValidationError(_("A NIK has exactly 16 digits."))
