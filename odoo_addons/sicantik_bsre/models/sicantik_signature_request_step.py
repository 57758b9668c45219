"""One step of one request's way to the signature, with its waiting time.

Why stored lines per request (and not only the chain): the chain may change
while requests are under way, and the office wants to see afterwards where
each file waited.  Each submission is a ``round``; a rejection ends a round,
and the resubmission starts a new one (from the first step or from the step
that rejected, as the chain says), so the history of every rejection and its
reason stays.  ``started_at``/``done_at`` are stored; the pivot and graph
views group on them and on the stored waiting hours.

Lines are written only by the request's workflow (in superuser mode); users
read them under the same unit rules as the requests.
"""

from odoo import api, fields, models

STEP_STATES = [
    ("pending", "Pending"),
    ("waiting", "Waiting"),
    ("done", "Done"),
    ("rejected", "Rejected"),
    ("skipped", "Skipped"),
]
REJECT_REASONS = [
    ("document", "Wrong or unreadable document"),
    ("data", "Permit data incorrect"),
    ("requirements", "Requirements incomplete"),
    ("wording", "Wording of the decree"),
    ("other", "Other"),
]


def hours_between(start, end):
    """Stored durations for the pivot views: hours, 0 until both ends exist."""
    if not (start and end):
        return 0.0
    return (end - start).total_seconds() / 3600.0


class SicantikSignatureRequestStep(models.Model):
    _name = "sicantik.signature.request.step"
    _description = "SICANTIK Signature Request Step"
    _order = "request_id, round, sequence, id"

    request_id = fields.Many2one(
        "sicantik.signature.request",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    round = fields.Integer(readonly=True, default=1)
    sequence = fields.Integer(readonly=True)
    name = fields.Char(string="Step", readonly=True, required=True)
    kind = fields.Selection(
        [("paraf", "Initial (paraf)"), ("sign", "Signature")],
        readonly=True,
        required=True,
        default="paraf",
    )
    user_id = fields.Many2one("res.users", string="User", readonly=True)
    group_id = fields.Many2one("res.groups", string="Group", readonly=True)
    state = fields.Selection(
        STEP_STATES, default="pending", readonly=True, required=True, index=True
    )
    started_at = fields.Datetime(string="Waiting Since", readonly=True, index=True)
    done_at = fields.Datetime(string="Done On", readonly=True)
    wait_hours = fields.Float(
        string="Waiting Time (hours)",
        compute="_compute_wait_hours",
        store=True,
        aggregator="avg",
        digits=(16, 1),
    )
    done_by_id = fields.Many2one("res.users", string="Done By", readonly=True)
    delegation_id = fields.Many2one(
        "sicantik.delegation", string="Delegation", readonly=True
    )
    reject_reason_kind = fields.Selection(
        REJECT_REASONS, string="Rejection Reason", readonly=True, index=True
    )
    reject_reason = fields.Text(string="Rejection Note", readonly=True)
    activity_user_ids = fields.Many2many(
        "res.users",
        "sicantik_signature_request_step_activity_user_rel",
        string="Notified Users",
        readonly=True,
    )
    permit_id = fields.Many2one(related="request_id.permit_id", store=True)
    permit_type_id = fields.Many2one(
        related="request_id.permit_type_id", store=True, string="Permit Type"
    )
    unit_id = fields.Many2one(related="request_id.unit_id", store=True)
    official_id = fields.Many2one(
        related="request_id.official_id", store=True, string="Signing Official"
    )

    @api.depends("started_at", "done_at")
    def _compute_wait_hours(self):
        for step in self:
            step.wait_hours = hours_between(step.started_at, step.done_at)

    def _actors(self):
        """Who may act at this step (before delegations): the user, or the
        group's members in the permit's unit."""
        self.ensure_one()
        if self.user_id:
            return self.user_id
        users = self.sudo().group_id.users.filtered("active")
        unit = self.sudo().request_id.permit_id.unit_id
        if unit:
            users = users.filtered(
                lambda u: not u.sicantik_unit_ids or unit in u.sicantik_unit_ids
            )
        return users

    def _send_waiting_mail(self, users):
        """The step's e-mail (``mail_template_step_waiting``), one per user in
        their own language; users without an address get the activity only."""
        self.ensure_one()
        template = self.env.ref(
            "sicantik_bsre.mail_template_step_waiting", raise_if_not_found=False
        )
        if not template:
            return
        for user in users.sudo().filtered(lambda u: u.email):
            template.sudo().with_context(lang=user.lang).send_mail(
                self.id,
                email_values={"recipient_ids": [(6, 0, user.partner_id.ids)]},
            )
