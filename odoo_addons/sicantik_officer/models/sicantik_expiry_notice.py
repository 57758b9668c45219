from odoo import fields, models


class SicantikExpiryNotice(models.Model):
    """One expiry reminder sent for one permit at one threshold.

    The unique constraint is the "once per threshold" guarantee: the cron
    inserts the notice *before* it schedules the activity and queues the
    e-mail, with ``ON CONFLICT DO NOTHING``, so a second run, a retry after a
    crash or a concurrent worker can never send the same reminder twice.
    """

    _name = "sicantik.expiry.notice"
    _description = "SICANTIK Expiry Reminder"
    _order = "sent_at desc, id desc"
    _rec_name = "permit_id"

    permit_id = fields.Many2one(
        "sicantik.permit", required=True, readonly=True, ondelete="cascade", index=True
    )
    threshold = fields.Integer(
        string="Threshold (days)", required=True, readonly=True, index=True
    )
    valid_until = fields.Date(string="Valid Until", readonly=True)
    sent_at = fields.Datetime(string="Sent On", readonly=True)
    user_id = fields.Many2one("res.users", string="Officer", readonly=True)
    activity_id = fields.Many2one(
        "mail.activity", string="Activity", readonly=True, ondelete="set null"
    )
    mail_id = fields.Many2one(
        "mail.mail", string="E-mail", readonly=True, ondelete="set null"
    )
    email_to = fields.Char(string="Sent To", readonly=True)
    permit_type_id = fields.Many2one(related="permit_id.permit_type_id")
    applicant_id = fields.Many2one(related="permit_id.applicant_id")

    _sql_constraints = [
        (
            "permit_threshold_uniq",
            "unique(permit_id, threshold)",
            "A permit receives one reminder per threshold.",
        )
    ]
