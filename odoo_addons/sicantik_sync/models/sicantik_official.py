from odoo import fields, models


class SicantikOfficial(models.Model):
    """An employee of the office (``tmpegawai``); signatories have status 1."""

    _name = "sicantik.official"
    _inherit = "sicantik.mirror.mixin"
    _description = "SICANTIK Official"
    _order = "name"

    name = fields.Char(required=True, readonly=True)
    nip = fields.Char(string="NIP", readonly=True)
    position = fields.Char(readonly=True)
    is_signatory = fields.Boolean(string="Signing Official", readonly=True)
