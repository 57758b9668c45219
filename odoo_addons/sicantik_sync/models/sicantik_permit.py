from odoo import api, fields, models


class SicantikPermit(models.Model):
    """An application / permit (``tmpermohonan``) with its has-one links.

    Everything here is written by the sync with set-based SQL (see
    ``sicantik.sync``); the form is read-only and no field is tracked, so a
    sync of 100,000 rows posts no chatter message.  Chatter and activities
    remain available for officers' own notes and reminders.
    """

    _name = "sicantik.permit"
    _inherit = ["sicantik.mirror.mixin", "mail.thread", "mail.activity.mixin"]
    _description = "SICANTIK Permit"
    _order = "date_received desc, sicantik_id desc"
    _rec_names_search = ["name", "sk_number"]

    name = fields.Char(string="Registration Number", required=True, readonly=True)
    year = fields.Char(readonly=True, index=True)
    permit_type_id = fields.Many2one(
        "sicantik.permit.type", string="Permit Type", readonly=True, index=True
    )
    request_kind = fields.Char(readonly=True)
    applicant_id = fields.Many2one(
        "sicantik.applicant", string="Applicant", readonly=True, index=True
    )
    company_id = fields.Many2one(
        "sicantik.company", string="Company", readonly=True, index=True
    )
    unit_id = fields.Many2one(
        "sicantik.unit",
        string="Unit",
        readonly=True,
        index=True,
        help="SICANTIK work unit handling the permit (trunitkerja). Empty when "
        "SICANTIK names no unit or a unit that does not exist.",
    )
    location = fields.Char(readonly=True)
    kecamatan = fields.Char(readonly=True, index=True)
    date_received = fields.Date(string="Received On", readonly=True)
    date_survey = fields.Date(string="Survey On", readonly=True)
    date_due = fields.Date(string="Due (SLA)", readonly=True)
    date_handed_over = fields.Datetime(string="Handed Over On", readonly=True)
    valid_until = fields.Date(string="Valid Until", readonly=True, index=True)
    sk_number = fields.Char(string="SK Number", readonly=True, index=True)
    sk_date = fields.Date(string="SK Date (Issued On)", readonly=True)
    status_id = fields.Many2one(
        "sicantik.status", string="Current Status", readonly=True, index=True
    )
    decision = fields.Selection(
        [
            ("pending", "Not Decided"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        readonly=True,
    )
    registration_state = fields.Selection(
        [("0", "Waiting for Verification"), ("1", "Complete"), ("2", "Via API")],
        readonly=True,
    )
    is_issued = fields.Boolean(string="Issued", readonly=True)
    is_handed_over = fields.Boolean(string="Handed Over", readonly=True)
    is_revoked = fields.Boolean(string="Revoked", readonly=True)
    revoked_date = fields.Date(string="Revoked On", readonly=True)
    revoke_note = fields.Text(string="Revocation Note", readonly=True)
    is_paid = fields.Boolean(string="Fee Paid", readonly=True)
    official_id = fields.Many2one(
        "sicantik.official", string="Signing Official", readonly=True
    )
    signer_name = fields.Char(string="Signer Name", readonly=True)
    signer_nip = fields.Char(string="Signer NIP", readonly=True)
    note = fields.Text(readonly=True)
    entry_user = fields.Char(string="Entered By", readonly=True)
    entry_date = fields.Datetime(string="Entered On", readonly=True)
    previous_sicantik_id = fields.Integer(
        string="Previous Application (SICANTIK ID)", readonly=True
    )
    history_ids = fields.One2many(
        "sicantik.permit.history", "permit_id", string="Status History", readonly=True
    )
    applicant_sid = fields.Integer(string="SICANTIK Applicant ID", readonly=True)
    company_sid = fields.Integer(string="SICANTIK Company ID", readonly=True)
    permit_type_sid = fields.Integer(string="SICANTIK Permit Type ID", readonly=True)
    status_sid = fields.Integer(string="SICANTIK Status ID", readonly=True)
    official_sid = fields.Integer(string="SICANTIK Official ID", readonly=True)
    unit_sid = fields.Integer(string="SICANTIK Unit ID", readonly=True)
    days_to_expiry = fields.Integer(
        string="Days to Expiry", compute="_compute_days_to_expiry"
    )
    expiry_state = fields.Selection(
        [
            ("none", "No Expiry"),
            ("valid", "Valid"),
            ("soon", "Expiring within 90 Days"),
            ("expired", "Expired"),
        ],
        compute="_compute_days_to_expiry",
    )

    @api.depends("valid_until")
    @api.depends_context("tz")
    def _compute_days_to_expiry(self):
        today = fields.Date.context_today(self)
        for permit in self:
            if not permit.valid_until:
                permit.days_to_expiry = 0
                permit.expiry_state = "none"
                continue
            days = (permit.valid_until - today).days
            permit.days_to_expiry = days
            if days < 0:
                permit.expiry_state = "expired"
            elif days <= 90:
                permit.expiry_state = "soon"
            else:
                permit.expiry_state = "valid"
