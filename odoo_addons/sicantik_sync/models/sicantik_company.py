from odoo import fields, models


class SicantikCompany(models.Model):
    """A company (``tmperusahaan``) with its NPWP."""

    _name = "sicantik.company"
    _inherit = "sicantik.mirror.mixin"
    _description = "SICANTIK Company"
    _order = "name"

    name = fields.Char(required=True, readonly=True)
    npwp = fields.Char(string="NPWP", readonly=True)
    address = fields.Char(readonly=True)
    founded_date = fields.Date(string="Founded On", readonly=True)
    phone = fields.Char(readonly=True)
    registration_no = fields.Char(string="Registration Number", readonly=True)
    email = fields.Char(readonly=True)
    kelurahan = fields.Char(readonly=True)
    kecamatan = fields.Char(readonly=True)
    entry_date = fields.Datetime(string="Registered On", readonly=True)
    permit_ids = fields.One2many("sicantik.permit", "company_id", string="Permits")
