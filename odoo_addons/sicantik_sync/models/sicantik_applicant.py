from odoo import fields, models


class SicantikApplicant(models.Model):
    """An applicant (``tmpemohon``); the NIK lives in ``no_referensi``."""

    _name = "sicantik.applicant"
    _inherit = "sicantik.mirror.mixin"
    _description = "SICANTIK Applicant"
    _order = "name"

    name = fields.Char(required=True, readonly=True)
    id_type = fields.Char(string="Identity Type", readonly=True)
    id_number = fields.Char(string="Identity Number (NIK)", readonly=True)
    phone = fields.Char(readonly=True)
    email = fields.Char(readonly=True)
    address = fields.Char(readonly=True)
    address_outside = fields.Char(string="Address Outside the Region", readonly=True)
    kelurahan = fields.Char(readonly=True)
    kecamatan = fields.Char(readonly=True)
    entry_date = fields.Datetime(string="Registered On", readonly=True)
    permit_ids = fields.One2many("sicantik.permit", "applicant_id", string="Permits")
