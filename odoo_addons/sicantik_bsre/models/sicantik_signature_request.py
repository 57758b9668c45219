"""A request to sign one permit document with an official's BSrE certificate.

State machine (the "why" of each step)::

    draft ─submit→ waiting_approval ─approve (each step)→ approved ─(wizard)→ signing
    waiting_approval ─reject (any step, with a reason)→ draft (the officer fixes)
    signing → signed | failed | outcome_unknown
    outcome_unknown ─reconcile→ signed (evidence found) | approved (official
        confirms nothing was signed) | failed
    failed ─retry→ approved;  draft/waiting/approved/failed ─cancel→ cancelled

* **approved → signing is committed on its own** before any byte goes to BSrE
  (a separate cursor, :meth:`_claim_for_signing`).  If the worker dies during
  the call, the row still says ``signing`` with a start time and a batch id:
  evidence that a call may have happened.  A cron turns such stale rows into
  ``outcome_unknown``.
* **The claim is the lock.**  ``SELECT … FOR UPDATE SKIP LOCKED`` + the state
  condition lets exactly one transaction move a request to ``signing``; a
  second click, a second tab or a second worker gets nothing to sign.  Two
  signing calls for one request can therefore never run concurrently.
* **Each result is committed on its own** (a cursor per document): a crash in
  the middle of a batch of 100 keeps the 40 already signed, stored and audited.
  This also keeps the request's own transaction (``REPEATABLE READ``) from
  writing rows another transaction changed.
* **outcome_unknown blocks re-signing** until reconciled.  BSrE offers no
  lookup by document, so the evidence is: the v1 one-time download when an
  ``id_dokumen`` is known, else the official's own confirmation (recorded in
  the chatter and the audit trail with their name).
* **The passphrase** (or the one-time code) only ever exists as the argument
  of :meth:`_sign_with_secret` (see the wizard for how it arrives there).
* **Who may act.**  Every action is an RPC endpoint, so each one is guarded by
  group (:func:`~odoo.addons.sicantik_base.guards.guard`) and then checked per
  record: approving, signing and deciding a reconciliation belong to the
  request's official, who must be the permit's designated signer
  (:meth:`_designated_signers`); every action also requires the permit's unit
  to be one of the user's units (users without a unit act on all).
* **Approval is a chain of steps** (``sicantik.signature.request.step``):
  the routing rule of the permit's type and unit
  (``sicantik.signature.route``) names a paraf chain; its steps wait one
  after the other, and the signer's approval is always the last step.  A
  permit type without a chain has that last step only: the single approval by
  the official.  Every step's start and end are stored (waiting time), each
  waiting step gets an activity and an e-mail, and a rejection ends the round
  with its reason; resubmission starts a new round where the chain says.
* **Delegations** (``sicantik.delegation``, Plt./Plh./a.n.) let a deputy act
  at a step or sign for the official, within the delegation's dates and
  scope; the request keeps the official, the signature records who signed
  and for whom (reason text, public page).
* **A signed file is bound only if it extends the original** (PAdES appends
  the signature): whatever its source — our signing call, a kept copy, the v1
  download — :meth:`_store_signed` refuses a file that is not this request's
  original plus a signature covering it (``lib/incremental.py``).
"""

import base64
import hashlib
import io
import logging
import secrets
import uuid
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.sicantik_base.guards import guard
from odoo.addons.sicantik_base.lib import settings

from ..lib import batch as bsre_batch
from ..lib import delegation as wording
from ..lib import incremental, stamp
from ..lib.client import SignatureProperties
from ..lib.errors import BsreError
from . import services
from .sicantik_signature_request_step import hours_between

_logger = logging.getLogger(__name__)

STATES = [
    ("draft", "Draft"),
    ("waiting_approval", "Waiting Approval"),
    ("approved", "Approved"),
    ("signing", "Signing"),
    ("signed", "Signed"),
    ("failed", "Failed"),
    ("outcome_unknown", "Outcome Unknown"),
    ("cancelled", "Cancelled"),
]
#: Written only by the workflow (see :meth:`SicantikSignatureRequest.write`).
PROTECTED_FIELDS = frozenset(
    {
        "state",
        "error_message",
        "signed_document_id",
        "signed_at",
        "signing_started_at",
        "verification_token",
        "bsre_document_id",
        "batch_id",
        "attempt_count",
        "requested_by_id",
        "current_step_id",
        "requested_at",
        "signed_by_id",
        "delegation_id",
        "is_auto",
        "reject_count",
    }
)
#: Name prefix of the attachment keeping a signed output that could not be stored.
UNSAVED_PREFIX = "sicantik-bsre-unsaved-"
#: A ``signing`` row older than the sign timeout plus this margin is stale.
STALE_MARGIN = timedelta(minutes=5)


def new_token():
    """256 random bits, URL-safe: the QR target cannot be guessed or listed."""
    return secrets.token_urlsafe(32)


class SicantikSignatureRequest(models.Model):
    _name = "sicantik.signature.request"
    _description = "SICANTIK Signature Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    document_id = fields.Many2one(
        "sicantik.document",
        string="Document to Sign",
        required=True,
        ondelete="restrict",
        index=True,
        tracking=True,
        domain="[('state', '=', 'stored'), ('kind', 'in', ('original', 'signed', "
        "'resigned'))]",
    )
    permit_id = fields.Many2one(
        related="document_id.permit_id", store=True, index=True, string="Permit"
    )
    official_id = fields.Many2one(
        "res.users",
        string="Signing Official",
        required=True,
        index=True,
        tracking=True,
        domain=lambda self: [
            ("groups_id", "in", self.env.ref("sicantik_base.group_pejabat").id)
        ],
    )
    requested_by_id = fields.Many2one(
        "res.users",
        string="Requested By",
        readonly=True,
        default=lambda self: self.env.user,
    )
    state = fields.Selection(
        STATES,
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
    )
    error_message = fields.Char(readonly=True, copy=False)
    signed_document_id = fields.Many2one(
        "sicantik.document", string="Signed Version", readonly=True, copy=False
    )
    signed_sha256 = fields.Char(
        related="signed_document_id.sha256", string="Signed SHA-256"
    )
    verification_token = fields.Char(
        readonly=True,
        copy=False,
        default=lambda _self: new_token(),
        index=True,
        groups="base.group_user",
    )
    verification_url = fields.Char(compute="_compute_verification_url")
    signed_at = fields.Datetime(string="Signed On", readonly=True, copy=False)
    signing_started_at = fields.Datetime(readonly=True, copy=False)
    bsre_document_id = fields.Char(
        string="BSrE Document ID",
        readonly=True,
        copy=False,
        help="id_dokumen returned by API v1; lets a lost answer be downloaded once.",
    )
    batch_id = fields.Char(string="Batch", readonly=True, copy=False, index=True)
    attempt_count = fields.Integer(string="Sign Attempts", readonly=True, copy=False)
    is_my_turn = fields.Boolean(compute="_compute_is_my_turn")
    # --- chain, routing, delegation (see the module docstring)
    step_ids = fields.One2many(
        "sicantik.signature.request.step", "request_id", string="Steps", readonly=True
    )
    current_step_id = fields.Many2one(
        "sicantik.signature.request.step",
        string="Current Step",
        readonly=True,
        copy=False,
        index=True,
    )
    current_step_name = fields.Char(related="current_step_id.name", string="Waiting At")
    chain_id = fields.Many2one(
        "sicantik.approval.chain",
        string="Approval Chain",
        compute="_compute_chain_id",
    )
    permit_type_id = fields.Many2one(
        related="document_id.permit_id.permit_type_id",
        store=True,
        index=True,
        string="Permit Type",
    )
    unit_id = fields.Many2one(
        related="document_id.permit_id.unit_id", store=True, string="Unit"
    )
    requested_at = fields.Datetime(
        string="Requested On",
        readonly=True,
        copy=False,
        help="First submission for approval.",
    )
    sign_hours = fields.Float(
        string="Request to Signature (hours)",
        compute="_compute_sign_hours",
        store=True,
        aggregator="avg",
        digits=(16, 1),
    )
    signed_by_id = fields.Many2one(
        "res.users", string="Signed By", readonly=True, copy=False
    )
    delegation_id = fields.Many2one(
        "sicantik.delegation",
        string="Signed Under Delegation",
        readonly=True,
        copy=False,
    )
    is_auto = fields.Boolean(
        string="Requested Automatically", readonly=True, copy=False
    )
    reject_count = fields.Integer(string="Rejections", readonly=True, copy=False)

    _sql_constraints = [
        (
            "verification_token_uniq",
            "unique(verification_token)",
            "The verification token must be unique.",
        )
    ]

    def init(self):
        # One automatic request per document version, whatever runs the cron
        # concurrently (two workers, a hook and the fallback cron).
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS"
            " sicantik_signature_request_auto_document_uniq"
            " ON sicantik_signature_request (document_id) WHERE is_auto"
        )

    # ----------------------------------------------------------- computed
    @api.depends("verification_token")
    def _compute_verification_url(self):
        base = services.public_base_url(self.env)
        for request in self:
            token = request.sudo().verification_token
            request.verification_url = f"{base}/verify/{token}" if token else False

    @api.depends_context("uid")
    @api.depends("official_id", "state", "current_step_id")
    def _compute_is_my_turn(self):
        user = self.env.user
        for request in self:
            if request.state == "waiting_approval":
                step = request.sudo().current_step_id
                request.is_my_turn = bool(step) and user in request._step_actors(step)
            else:
                request.is_my_turn = (
                    request.state
                    in (
                        "approved",
                        "outcome_unknown",
                        "failed",
                    )
                    and user in request._signers()
                )

    @api.depends("document_id")
    def _compute_chain_id(self):
        routes = self.env["sicantik.signature.route"]
        for request in self:
            permit = request.sudo().document_id.permit_id
            request.chain_id = routes._for_permit(permit).chain_id if permit else False

    @api.depends("requested_at", "signed_at")
    def _compute_sign_hours(self):
        for request in self:
            request.sign_hours = hours_between(request.requested_at, request.signed_at)

    # ------------------------------------------------------------ signers
    def _designated_signers(self):
        """The users who may approve and sign this request.

        The user linked (``res.users.sicantik_official_id``) to the official
        the permit names as signatory — nobody else.  When the permit names
        no signatory, the routing rule's signing official.  Deputies are not
        designated: they act *for* the designated official
        (:meth:`_signers`), the request keeps the official.
        """
        self.ensure_one()
        return self._designated_for_permit(self.sudo().document_id.permit_id)

    @api.model
    def _designated_for_permit(self, permit):
        official = permit.sudo().official_id
        if not official:
            route = self.env["sicantik.signature.route"]._for_permit(permit)
            return route.official_id
        return (
            self.env["res.users"]
            .sudo()
            .search([("sicantik_official_id", "=", official.id)])
        )

    def _signers(self):
        """Who may approve the last step and sign today: the request's
        official if still designated, and their deputies within scope."""
        self.ensure_one()
        official = self.official_id
        if official not in self._designated_signers():
            return self.env["res.users"]
        permit = self.sudo().document_id.permit_id
        deputies = self.env["sicantik.delegation"]._deputies(official, permit, "sign")
        return official | deputies

    def _step_actors(self, step):
        """Who may act at ``step`` today, deputies included."""
        if step.kind == "sign":
            return self._signers()
        principals = step._actors()
        permit = self.sudo().document_id.permit_id
        return principals | self.env["sicantik.delegation"]._deputies(
            principals, permit, "step"
        )

    @api.constrains("official_id", "document_id")
    def _check_official_designated(self):
        """A request names the permit's designated signer, or it does not exist:
        an officer cannot route a permit to an official of their choosing."""
        for request in self:
            if request.official_id in request._designated_signers():
                continue
            permit = request.sudo().document_id.permit_id
            if not permit.official_id and not request._designated_signers():
                raise ValidationError(
                    _(
                        "Permit %(permit)s names no signing official; it cannot "
                        "be sent for signature.",
                        permit=permit.display_name,
                    )
                )
            raise ValidationError(
                _(
                    "%(user)s is not the signing official of permit %(permit)s "
                    "(%(official)s). Only the official named by the permit may "
                    "sign it; an administrator links each official to a user.",
                    user=request.official_id.name,
                    permit=permit.display_name,
                    official=permit.official_id.name
                    or request._designated_signers().name,
                )
            )

    @api.onchange("document_id")
    def _onchange_document_id_official(self):
        for request in self:
            if request.document_id:
                signers = request._designated_signers()
                if len(signers) == 1:
                    request.official_id = signers.id

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not self.env.su and PROTECTED_FIELDS.intersection(vals):
                raise AccessError(
                    _(
                        "These fields are managed by the signing workflow: "
                        "%(fields)s",
                        fields=", ".join(sorted(PROTECTED_FIELDS.intersection(vals))),
                    )
                )
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("sicantik.signature.request")
                    or "/"
                )
        requests = super().create(vals_list)
        requests._check_unit()
        return requests

    # ------------------------------------------------------------ protection
    def write(self, vals):
        """Workflow fields change only through the workflow's own methods.

        Officers may edit a draft request, but ``state``, the signature
        evidence and the token are written by :meth:`_write_internal` (in
        superuser mode, which no RPC client can request); otherwise a plain
        ``write`` over RPC could skip the approval or forge a signed state.
        """
        # Access rights also for an empty recordset (``write([], …)`` over RPC
        # would otherwise return True for anyone).
        self.check_access("write")
        if not self.env.su:
            protected = PROTECTED_FIELDS.intersection(vals)
            if protected:
                raise AccessError(
                    _(
                        "These fields are managed by the signing workflow: "
                        "%(fields)s",
                        fields=", ".join(sorted(protected)),
                    )
                )
            if {"document_id", "official_id"}.intersection(vals) and self.filtered(
                lambda r: r.state != "draft"
            ):
                raise UserError(
                    _("The document and the official can only change in draft.")
                )
        result = super().write(vals)
        if "document_id" in vals:
            # The record rules checked the old permit; the new one counts too.
            self._check_unit()
        return result

    def _write_internal(self, vals):
        """Write workflow fields; tracking and chatter keep the real author."""
        return self.sudo().write(vals)

    # --------------------------------------------------------- transitions
    def _check_state(self, *allowed):
        wrong = self.filtered(lambda r: r.state not in allowed)
        if wrong:
            labels = dict(STATES)
            raise UserError(
                _(
                    "%(name)s is %(state)s; this action is not possible now.",
                    name=wrong[0].name,
                    state=labels.get(wrong[0].state),
                )
            )

    def _check_unit(self):
        """The permit's unit must be one of the user's units.

        Users without a unit act on every request (offices that never set up
        units keep working), administrators on all; the record rules hide the
        same rows, this check also covers the records an RPC caller names by
        id.
        """
        if self.env.su or self.env.user.has_group("sicantik_base.group_admin"):
            return
        units = self.env.user.sudo().sicantik_unit_ids
        if not units:
            return
        outside = self.sudo().filtered(
            lambda r: r.document_id.permit_id.unit_id
            and r.document_id.permit_id.unit_id not in units
        )
        if outside:
            raise AccessError(
                _("%(name)s belongs to another unit.", name=outside[0].name)
            )

    def _check_official(self):
        """The user is the request's official *and* the permit's designated
        signer (the permit's official may have changed since the request was
        made), or their deputy under a valid delegation, in the permit's unit."""
        if self.env.su:
            return
        user = self.env.user
        for request in self:
            if user not in request._signers():
                raise AccessError(
                    _(
                        "Only the signing official of %(name)s can do this.",
                        name=request.name,
                    )
                )
        self._check_unit()

    def _delegation_of(self, user, principals, purpose):
        """The delegation under which ``user`` acts for ``principals`` (empty
        when they act in their own name)."""
        self.ensure_one()
        if user in principals:
            return self.env["sicantik.delegation"]
        return self.env["sicantik.delegation"]._find(
            principals, user, self.sudo().document_id.permit_id, purpose
        )

    def _audit(self, action, summary, details=None):
        audit = self.env["sicantik.audit.event"]
        for request in self:
            audit.log(action, summary=summary, record=request, details=details)

    def _chatter(self):
        """``self`` for chatter messages and activities, in sudo mode when the
        user has no e-mail address.

        Many officers have none in Odoo, and the chatter refuses to post for a
        sender without one - except in sudo mode, where the author is still the
        officer (``env.user`` does not change).  Callers have checked the
        user's rights on the request already.
        """
        return self if self.env.user.email else self.sudo()

    def _schedule(self, summary, note="", users=None):
        """An activity per user (default: the request's official and, while a
        delegation runs, their deputies)."""
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        for request in self:
            for user in users if users is not None else request._signers():
                request._chatter().activity_schedule(
                    act_type_xmlid="mail.mail_activity_data_todo" if todo else "",
                    summary=summary,
                    note=note,
                    user_id=user.id,
                )

    def _close_activities(self, feedback, users=None):
        for request in self:
            people = users
            if people is None:
                people = request._signers() | request.official_id
            activities = request.activity_ids.filtered(
                lambda a, p=people: a.user_id in p
            )
            if activities:
                activities.sudo(not self.env.user.email).action_feedback(
                    feedback=feedback
                )

    # --------------------------------------------------------------- chain
    def _start_round(self):
        """Lay out this submission's steps and make the first one wait.

        First submission, or a chain restarting from the top: every paraf step
        of the routed chain, then the signer.  A chain restarting "from the
        step that rejected": that step and the ones after it (the initials
        given before it stand).
        """
        Step = self.env["sicantik.signature.request.step"].sudo()
        for request in self:
            steps = request.sudo().step_ids
            last_round = max(steps.mapped("round") or [0])
            chain = request.chain_id
            lines = [
                {
                    "name": step.name,
                    "kind": "paraf",
                    "user_id": step.user_id.id,
                    "group_id": step.group_id.id,
                    "sequence": index,
                }
                for index, step in enumerate(chain.step_ids, start=1)
            ]
            signer = _("Signature: %(name)s", name=request.official_id.name)
            lines.append({"name": signer, "kind": "sign", "sequence": len(lines) + 1})
            rejected = steps.filtered(
                lambda s, r=last_round: s.round == r and s.state == "rejected"
            )[:1]
            if chain.restart_mode == "rejecting" and rejected:
                lines = [ln for ln in lines if ln["sequence"] >= rejected.sequence]
            created = Step.create(
                [
                    dict(line, request_id=request.id, round=last_round + 1)
                    for line in lines
                ]
            )
            request._write_internal({"current_step_id": False})
            request._advance(created[0])

    def _advance(self, step):
        """Make ``step`` the waiting one: start its clock, notify its people."""
        self.ensure_one()
        if not step:
            self._write_internal({"current_step_id": False})
            return
        people = self._step_actors(step)
        step.sudo().write(
            {
                "state": "waiting",
                "started_at": fields.Datetime.now(),
                "activity_user_ids": [(6, 0, people.ids)],
            }
        )
        self._write_internal({"current_step_id": step.id})
        if step.kind == "sign":
            summary = _("Approve the signature of a permit document")
        else:
            summary = _("Initial (paraf) the permit document: %(step)s", step=step.name)
        self._schedule(summary, users=people)
        step._send_waiting_mail(people)

    def _current_step_for(self, user):
        """The waiting step and the delegation ``user`` acts under; AccessError
        for anyone else."""
        self.ensure_one()
        step = self.sudo().current_step_id
        if self.env.su:
            return step, self.env["sicantik.delegation"]
        if not step or user not in self._step_actors(step):
            raise AccessError(
                _(
                    "%(name)s is waiting for someone else (%(step)s).",
                    name=self.name,
                    step=step.name or "-",
                )
            )
        self._check_unit()
        if step.kind == "sign":
            return step, self._delegation_of(user, self.official_id, "sign")
        return step, self._delegation_of(user, step._actors(), "step")

    # --------------------------------------------------------- transitions
    @guard("petugas")
    def action_submit(self):
        self._check_unit()
        self._check_state("draft")
        self._check_official_designated()
        for request in self:
            if request.document_id.state != "stored":
                raise UserError(
                    _(
                        "%(doc)s is not stored yet.",
                        doc=request.document_id.display_name,
                    )
                )
            if not request.official_id.sudo().bsre_nik:
                raise UserError(
                    _(
                        "%(user)s has no BSrE NIK; an administrator must set it "
                        "on the user first.",
                        user=request.official_id.name,
                    )
                )
        now = fields.Datetime.now()
        for request in self:
            vals = {"state": "waiting_approval", "error_message": False}
            if not request.requested_at:
                vals["requested_at"] = now
            request._write_internal(vals)
            if request.requested_by_id:
                request._close_activities(
                    _("Resubmitted"), users=request.requested_by_id
                )
        self._start_round()
        self._audit("sign.request", "signature requested")
        return True

    @guard("pejabat", "petugas")
    def action_approve(self):
        """Initial (paraf) the waiting step, or approve the signature at the
        last step: the user of the step, a member of its group, or a deputy."""
        self._check_state("waiting_approval")
        user = self.env.user
        for request in self:
            step, delegation = request._current_step_for(user)
            step.sudo().write(
                {
                    "state": "done",
                    "done_at": fields.Datetime.now(),
                    "done_by_id": user.id,
                    "delegation_id": delegation.id,
                }
            )
            request._close_activities(_("Approved"), users=step.activity_user_ids)
            on_behalf = delegation._office_line() if delegation else ""
            following = request.sudo().step_ids.filtered(
                lambda s, c=step: s.round == c.round
                and s.state == "pending"
                and s.sequence > c.sequence
            )[:1]
            if step.kind == "paraf":
                request._chatter().message_post(
                    body=_(
                        "%(user)s initialled (paraf) %(step)s %(on_behalf)s",
                        user=user.name,
                        step=step.name,
                        on_behalf=on_behalf,
                    )
                )
                request._audit("sign.paraf", f"initialled: {step.name}")
                request._advance(following)
                continue
            request._write_internal({"state": "approved", "current_step_id": False})
            request._schedule(_("Sign the approved permit document"))
            request._audit("sign.approve", "signature approved by the official")
        return True

    @guard("pejabat", "petugas")
    def action_open_reject_wizard(self):
        """The reason dialog of :meth:`action_reject` (a reason is required)."""
        self.ensure_one()
        self._check_state("waiting_approval")
        self._current_step_for(self.env.user)
        return {
            "type": "ir.actions.act_window",
            "name": _("Reject"),
            "res_model": "sicantik.reject.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_request_id": self.id},
        }

    @guard("pejabat", "petugas")
    def action_reject(self, reason=None, reason_kind="other"):
        """Any step sends the request back to the officer (draft) with a reason:
        in the chatter, on the step line and in an activity for the officer."""
        self._check_state("waiting_approval")
        user = self.env.user
        steps = {request: request._current_step_for(user) for request in self}
        reason = (reason or "").strip()
        if not reason:
            raise UserError(_("Give the reason for the rejection."))
        reasons = dict(
            self.env["sicantik.signature.request.step"]
            ._fields["reject_reason_kind"]
            ._description_selection(self.env)
        )
        if reason_kind not in reasons:
            raise UserError(_("Unknown rejection reason."))
        for request in self:
            step, delegation = steps[request]
            now = fields.Datetime.now()
            step.sudo().write(
                {
                    "state": "rejected",
                    "done_at": now,
                    "done_by_id": user.id,
                    "delegation_id": delegation.id,
                    "reject_reason_kind": reason_kind,
                    "reject_reason": reason,
                }
            )
            request.sudo().step_ids.filtered(
                lambda s, c=step: s.round == c.round and s.state == "pending"
            ).write({"state": "skipped"})
            request._close_activities(_("Rejected"), users=step.activity_user_ids)
            request._write_internal(
                {
                    "state": "draft",
                    "current_step_id": False,
                    "reject_count": request.reject_count + 1,
                }
            )
            request._chatter().message_post(
                body=_(
                    "%(user)s rejected the signature request at %(step)s; it is "
                    "back in draft. Reason (%(kind)s): %(reason)s",
                    user=user.name,
                    step=step.name,
                    kind=reasons[reason_kind],
                    reason=reason,
                )
            )
            if request.requested_by_id:
                request._schedule(
                    _("Fix the rejected request and submit it again"),
                    note=reason,
                    users=request.requested_by_id,
                )
        self._audit("sign.reject", "signature rejected", details={"kind": reason_kind})
        return True

    @guard("petugas")
    def action_cancel(self):
        self._check_unit()
        self._check_state("draft", "waiting_approval", "approved", "failed")
        self.activity_unlink(["mail.mail_activity_data_todo"])
        self.sudo().step_ids.filtered(
            lambda s: s.state in ("pending", "waiting")
        ).write({"state": "skipped"})
        self._write_internal({"state": "cancelled", "current_step_id": False})
        return True

    @guard("pejabat")
    def action_retry(self):
        """A definite failure (nothing was signed) may be signed again."""
        self._check_official()
        self._check_state("failed")
        self._write_internal({"state": "approved", "error_message": False})
        return True

    @guard("pejabat")
    def action_open_sign_wizard(self):
        requests = self.filtered(lambda r: r.state == "approved")
        if not requests:
            raise UserError(_("Select at least one approved request."))
        requests._check_official()
        return {
            "type": "ir.actions.act_window",
            "name": _("Sign with BSrE"),
            "res_model": "sicantik.sign.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_request_ids": [(6, 0, requests.ids)]},
        }

    # ------------------------------------------------- requests from permits
    @api.model
    def _request_documents(self, documents, auto=False):
        """One request per document version that has none, submitted at once.

        ``documents``: stored originals.  A version that already has a request
        (other than a cancelled manual one) or had an automatic one is
        skipped, so the buttons and the cron can run any number of times.
        Automatic requests are created in superuser mode by the routing rules
        and carry ``is_auto``, under a unique index: two runs at once cannot
        create two.  Returns ``(requests, skipped)``, ``skipped`` a list of
        ``(document, why)``.
        """
        documents = documents.filtered(
            lambda d: d.state == "stored" and d.kind == "original"
        )
        if not documents:
            return self.browse(), []
        taken = set(
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("document_id", "in", documents.ids),
                    "|",
                    ("state", "!=", "cancelled"),
                    ("is_auto", "=", True),
                ]
            )
            .mapped("document_id")
            .ids
        )
        routes = self.env["sicantik.signature.route"]
        created, skipped = self.browse(), []
        for document in documents:
            permit = document.sudo().permit_id
            if document.id in taken:
                skipped.append((document, _("already requested")))
                continue
            signers = self._designated_for_permit(permit)
            if len(signers) != 1:
                skipped.append((document, _("no single signing official")))
                continue
            vals = {"document_id": document.id, "official_id": signers.id}
            model = self
            if auto:
                route = routes._for_permit(permit)
                vals.update(is_auto=True, requested_by_id=route.officer_id.id)
                model = self.sudo()
            try:
                with self.env.cr.savepoint():
                    request = model.create(vals)
            except psycopg2.errors.UniqueViolation:
                skipped.append((document, _("already requested")))
                continue
            try:
                with self.env.cr.savepoint():
                    request.action_submit()
            except UserError as exc:
                request._write_internal({"error_message": exc.args[0]})
                request._chatter().message_post(body=exc.args[0])
            created |= request
        return created, skipped

    @api.model
    def _cron_auto_request(self, limit=200):
        """Requests for decided permits whose original PDF is stored.

        Decided: SICANTIK approved it and the SK has a number; not revoked.
        Only permit types whose routing rule has ``auto_request``; only the
        newest original version of each permit.  Idempotent (see
        :meth:`_request_documents`); the sync and the document store trigger
        it after writing, the ``ir.cron`` runs it as a fallback.  More than
        ``limit`` candidates: the rest in an immediate next run.
        """
        routes = self.env["sicantik.signature.route"].sudo()
        auto_types = routes.search([("auto_request", "=", True)]).permit_type_id
        if not auto_types:
            return 0
        self.env.flush_all()  # the query below reads documents, permits, requests
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (d.permit_id) d.id
              FROM sicantik_document d
              JOIN sicantik_permit p ON p.id = d.permit_id
             WHERE d.kind = 'original' AND d.state = 'stored'
               AND p.permit_type_id = ANY(%s)
               AND p.decision = 'approved'
               AND COALESCE(p.sk_number, '') != ''
               AND NOT COALESCE(p.is_revoked, false)
               AND NOT EXISTS (
                   SELECT 1 FROM sicantik_signature_request r
                    WHERE r.document_id IN (
                        SELECT d2.id FROM sicantik_document d2
                         WHERE d2.permit_id = d.permit_id AND d2.kind = 'original'
                           AND d2.version >= d.version)
                      AND (r.state != 'cancelled' OR r.is_auto))
             ORDER BY d.permit_id, d.version DESC
            """,
            [auto_types.ids],
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        documents = self.env["sicantik.document"].sudo().browse(ids[:limit])
        documents = documents.filtered(
            lambda d: routes._for_permit(d.permit_id).auto_request
        )
        created, _skipped = self.sudo()._request_documents(documents, auto=True)
        if len(ids) > limit:
            self.env.ref("sicantik_bsre.ir_cron_auto_request")._trigger()
        if created:
            _logger.info("%s signature request(s) created automatically", len(created))
        return len(created)

    @api.model
    def _action_show(self, requests):
        """The requests just made: their form when one, else a list."""
        action = {
            "type": "ir.actions.act_window",
            "name": _("Signature Requests"),
            "res_model": self._name,
        }
        if len(requests) == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=requests.id)
        else:
            action.update(
                view_mode="list,form",
                views=[(False, "list"), (False, "form")],
                domain=[("id", "in", requests.ids)],
            )
        return action

    @api.model
    def _request_from_button(self, documents):
        """The permit and document buttons: request, then show what was made."""
        requests, skipped = self._request_documents(documents)
        if not requests:
            reasons = "; ".join(f"{d.display_name}: {why}" for d, why in skipped)
            raise UserError(
                _(
                    "No signature request was created (%(reasons)s).",
                    reasons=reasons or _("no stored original document"),
                )
            )
        return self._action_show(requests)

    # ----------------------------------------------------------- reconcile
    @guard("petugas")
    def action_reconcile(self):
        """Look for evidence of the signed output; report what was found.

        Automatic evidence: a signed output kept because storing it failed
        (see :meth:`_record_result`), or the v1 one-time download by
        ``id_dokumen``; BSrE has no lookup by document.  Without evidence the
        official decides with :meth:`action_reconcile_not_signed` or
        :meth:`action_reconcile_failed`.  A kept copy is only evidence if it
        extends the request's original (anyone who may edit the request can
        attach files to it); one that does not is refused, never bound.
        """
        self._check_unit()
        self._check_state("outcome_unknown", "signing")
        self._check_stale_signing()
        recovered = self.env[self._name]
        attachments = self.env["ir.attachment"].sudo()
        for request in self:
            kept = attachments.search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "=", request.id),
                    ("name", "=like", UNSAVED_PREFIX + "%"),
                ],
                order="id",
            )
            original = request._document_bytes() if kept else None
            match = kept.filtered(
                lambda a, r=request, o=original: r._extends_original(a.raw, o)
            )[:1]
            if match:
                request._store_signed(
                    match.raw, request.bsre_document_id, None, original
                )
                match.unlink()
                recovered |= request
                continue
            if kept and not request.bsre_document_id:
                raise UserError(
                    _(
                        "The file kept for %(name)s is not this request's "
                        "original document with a signature appended; it was "
                        "not accepted.",
                        name=request.name,
                    )
                )
            if not request.bsre_document_id:
                request._chatter().message_post(
                    body=_(
                        "No automatic evidence is available for this call. Check "
                        "the BSrE signing history, then confirm that nothing was "
                        "signed (the request can be signed again) or mark it as "
                        "failed."
                    )
                )
                continue
            try:
                data = services.get_client().download(request.bsre_document_id)
            except BsreError as exc:
                raise UserError(exc.message_id) from None
            if data:
                request._store_signed(data, request.bsre_document_id)
                recovered |= request
        if recovered:
            recovered._audit("sign.result", "reconciled: signed output recovered")
        return True

    def _check_stale_signing(self):
        limit = fields.Datetime.now() - self._stale_after()
        if self.filtered(
            lambda r: r.state == "signing"
            and (r.signing_started_at or fields.Datetime.now()) > limit
        ):
            raise UserError(_("This request is being signed right now."))

    @guard("pejabat")
    def action_reconcile_not_signed(self):
        """The official checked BSrE and confirms nothing was signed."""
        self._check_official()
        self._check_state("outcome_unknown")
        self._write_internal({"state": "approved", "error_message": False})
        for request in self:
            request._chatter().message_post(
                body=_(
                    "%(user)s confirmed that the document was not signed; it can be "
                    "signed again.",
                    user=self.env.user.name,
                )
            )
        self._audit("sign.result", "reconciled: official confirmed not signed")
        return True

    @guard("pejabat")
    def action_reconcile_failed(self):
        """Only the official: a request marked failed may be signed again."""
        self._check_official()
        self._check_state("outcome_unknown")
        self._write_internal({"state": "failed"})
        self._audit("sign.result", "reconciled: marked failed")
        return True

    @api.model
    def _stale_after(self):
        timeout = settings.get_seconds("bsre_timeout_sign", 120.0)
        return timedelta(seconds=timeout) + STALE_MARGIN

    @api.model
    def _cron_mark_stale_signing(self):
        """``signing`` rows left by a crashed worker become ``outcome_unknown``."""
        limit = fields.Datetime.now() - self._stale_after()
        stale = self.search(
            [("state", "=", "signing"), ("signing_started_at", "<", limit)]
        )
        for request in stale:
            request._write_internal(
                {
                    "state": "outcome_unknown",
                    "error_message": _(
                        "The signing call did not finish; reconcile before signing "
                        "again."
                    ),
                }
            )
            request._schedule(_("Reconcile an interrupted signature"))
        if stale:
            stale._audit("sign.result", "signing interrupted: outcome unknown")
        return len(stale)

    # ------------------------------------------------------------- signing
    def _document_bytes(self):
        self.ensure_one()
        return b"".join(self.document_id.sudo()._stream())

    def _signature_properties(self, data=None):
        """Visible QR (to this request's page) at the placement of the permit
        type (``sicantik.stamp.placement``; its anchor is looked up in
        ``data``, the document's bytes) or the settings' default."""
        self.ensure_one()
        env = self.env
        placement = env["sicantik.stamp.placement"]._placement_for(
            self.sudo().permit_id.permit_type_id,
            self._document_bytes if data is None else data,
        )
        signer = self.env.user if self.env.user in self._signers() else self.official_id
        delegation = self._delegation_of(signer, self.official_id, "sign")
        specimen = signer.sudo().bsre_specimen
        image = stamp.visible_image(
            self.sudo().verification_url,
            specimen=base64.b64decode(specimen) if specimen else None,
        )
        return SignatureProperties(
            visible=True,
            image=image,
            page=placement.page,
            x=placement.x,
            y=placement.y,
            width=placement.width,
            height=placement.height,
            tag=placement.tag,
            reason=wording.reason_text(
                services.param(env, "sign_reason"),
                delegation._signer_line(signer) if delegation else None,
            ),
            location=services.param(env, "sign_location") or None,
        )

    def _claim_for_signing(self, batch_id):
        """approved → signing for the rows nobody else holds; committed now."""
        # Nothing of ours may stay pending: the claim runs on another cursor.
        self.env.flush_all()
        with self.env.registry.cursor() as cr:
            try:
                cr.execute(
                    "SELECT id FROM sicantik_signature_request"
                    " WHERE id IN %s AND state = 'approved'"
                    " FOR NO KEY UPDATE SKIP LOCKED",
                    [tuple(self.ids)],
                )
                ids = [row[0] for row in cr.fetchall()]
            except psycopg2.errors.SerializationFailure:
                cr.rollback()
                return []
            if ids:
                env = self.env(cr=cr)
                claimed = env[self._name].browse(ids)
                for request in claimed:
                    request._write_internal(
                        {
                            "state": "signing",
                            "batch_id": batch_id,
                            "signing_started_at": fields.Datetime.now(),
                            "attempt_count": request.attempt_count + 1,
                            "error_message": False,
                            **request._signer_vals(),
                        }
                    )
            # Own cursor, committed on purpose (see the module docstring).
            cr.commit()  # pylint: disable=invalid-commit
        return ids

    def _signer_vals(self):
        """Who signs now and under which delegation (empty: in their own name)."""
        self.ensure_one()
        user = self.env.user
        return {
            "signed_by_id": user.id,
            "delegation_id": self._delegation_of(user, self.official_id, "sign").id,
        }

    def _sign_with_secret(self, passphrase=None, totp=None):
        """Sign every request of ``self`` for the current user; return results.

        The secret — ``passphrase``, or a one-time code ``totp`` requested for
        exactly ``len(self)`` documents — goes to the BSrE client and nowhere
        else.  Returns a list of ``(request_id, state, message)`` in
        completion order.
        """
        if not self:
            return []
        self._check_official()
        self._check_state("approved")
        if totp:
            self._check_otp_batch()
        official = self.env.user
        nik = official.sudo().bsre_nik
        if not nik:
            raise UserError(_("Your user has no BSrE NIK; ask an administrator."))
        client = services.get_client()
        try:
            # The status the signing dialog recorded (one call per signing).
            certificates = self.env["sicantik.bsre.certificate"]
            certificates._status_of(official).raise_unless_can_sign()
        except BsreError as exc:
            raise UserError(exc.message_id) from None
        inputs = {request.id: request._document_bytes() for request in self}
        props = {
            request.id: request._signature_properties(inputs[request.id])
            for request in self
        }
        batch_id = uuid.uuid4().hex[:16]
        claimed = self._claim_for_signing(batch_id)
        if not claimed:
            raise UserError(_("These requests are already being signed."))
        results = []
        items = [(rid, inputs[rid]) for rid in claimed]
        for item in bsre_batch.sign_batch(
            client,
            items,
            nik,
            passphrase,
            properties=props.__getitem__,
            chunk_size=services.int_param(self.env, "batch_chunk_size"),
            workers=services.int_param(self.env, "batch_workers"),
            totp=totp,
        ):
            results.append(self._record_result(item, batch_id, inputs[item.key]))
        self.invalidate_recordset()
        return results

    def _check_otp_batch(self):
        """One OTP signs one v2 call: at most ``otp_max_files`` documents."""
        limit = services.int_param(self.env, "otp_max_files")
        if len(self) > limit:
            raise UserError(
                _(
                    "One OTP signs at most %(limit)s documents at once; "
                    "%(count)s are selected.",
                    limit=limit,
                    count=len(self),
                )
            )

    def _request_sign_otp(self):
        """Have BSrE send the official a one-time code for these documents."""
        self._check_official()
        self._check_state("approved")
        self._check_otp_batch()
        nik = self.env.user.sudo().bsre_nik
        if not nik:
            raise UserError(_("Your user has no BSrE NIK; ask an administrator."))
        try:
            message = services.get_client().request_sign_otp(nik, len(self))
        except BsreError as exc:
            raise UserError(exc.message_id) from None
        self.env["sicantik.audit.event"].log(
            "sign.otp_request",
            summary=f"one-time code requested for {len(self)} document(s)",
            record=self,
            details={"count": len(self)},
        )
        return message

    def _record_result(self, item, batch_id, original=None):
        """Write one document's outcome in its own committed transaction.

        A signed file that cannot be stored (S3 refusing, a bug) must not be
        lost — BSrE has signed it and will not give it again: the bytes are
        kept as a private attachment of the request, which goes to
        ``outcome_unknown``; :meth:`action_reconcile` stores them later.
        """
        try:
            return self._record_result_once(item, batch_id, original)
        except Exception:
            if item.state != "signed":
                raise
            _logger.exception("signed output of request %s not stored", item.key)
            with self.env.registry.cursor() as cr:
                request = self.env(cr=cr)[self._name].browse(item.key).sudo()
                self.env(cr=cr)["ir.attachment"].sudo().create(
                    {
                        "name": UNSAVED_PREFIX + f"{request.id}.pdf",
                        "raw": item.signed,
                        "res_model": self._name,
                        "res_id": request.id,
                        "mimetype": "application/pdf",
                    }
                )
                message = _(
                    "BSrE signed the document but it could not be stored; "
                    "reconcile to store the kept copy."
                )
                request._write_internal(
                    {"state": "outcome_unknown", "error_message": message}
                )
                request._audit(
                    "sign.result",
                    f"signed, not stored: {request.name}",
                    details={"state": "outcome_unknown", "batch": batch_id},
                )
                # Own cursor, committed on purpose (see the module docstring).
                cr.commit()  # pylint: disable=invalid-commit
            return (item.key, "outcome_unknown", message)

    def _record_result_once(self, item, batch_id, original=None):
        with self.env.registry.cursor() as cr:
            request = self.env(cr=cr)[self._name].browse(item.key)
            if item.state == "signed":
                request._store_signed(
                    item.signed, item.id_dokumen, item.warning, original=original
                )
                message = _("Signed")
            elif item.state == "skipped":
                request._write_internal({"state": "approved"})
                message = _("Not sent (batch stopped)")
            else:
                message = item.error.message_id if item.error else _("Unknown error")
                request._write_internal({"state": item.state, "error_message": message})
                request._chatter().message_post(body=message)
                if item.state == "outcome_unknown":
                    request._schedule(_("Reconcile an interrupted signature"))
            request._audit(
                "sign.result",
                f"{item.state}: {request.name}",
                details={
                    "state": item.state,
                    "batch": batch_id,
                    "error": type(item.error).__name__ if item.error else None,
                    "http_status": getattr(item.error, "http_status", None),
                    "sha256": request.signed_sha256 or None,
                },
            )
            # Own cursor, committed on purpose (see the module docstring).
            cr.commit()  # pylint: disable=invalid-commit
        return (item.key, item.state, message)

    def _extends_original(self, data, original=None):
        """Is ``data`` this request's original plus an appended signature?

        ``original``: the bytes just sent to BSrE, when the caller has them
        (saves reading the original back from S3 for every signed document).
        """
        self.ensure_one()
        if original is None:
            original = self._document_bytes()
        try:
            incremental.check_appended(original, data)
        except incremental.NotAppendedSignature as exc:
            _logger.warning("signed file refused for %s: %s", self.name, exc.reason)
            return False
        return True

    def _sicantik_after_signature_published(self):
        """Extension point: this request is signed, its signed version stored
        and its public summary published (``/verify/<token>`` answers).

        Called once per signed request, in the transaction that records the
        signature (from signing, reconciliation or a resumed batch).
        Followers override it, call ``super()`` and only *trigger* their cron
        (``cron._trigger()``): a batch signs dozens of requests in a row and
        must not wait for notifications or reports.
        """
        self.ensure_one()
        return None

    def _store_signed(self, data, id_dokumen=None, warning=None, original=None):
        """Signed bytes → new encrypted document version + public summary.

        Refused unless the bytes extend this request's original (see the
        module docstring): whatever the caller, a file signed for another
        permit is never stored as this permit's signed version.
        """
        self.ensure_one()
        if not self._extends_original(data, original):
            raise UserError(
                _(
                    "The signed file of %(name)s is not this request's original "
                    "document with a signature appended; it was not accepted.",
                    name=self.name,
                )
            )
        documents = self.env["sicantik.document"].sudo()
        permit = self.document_id.permit_id
        had_signed = documents.search_count(
            [("permit_id", "=", permit.id), ("kind", "in", ("signed", "resigned"))]
        )
        digest = hashlib.sha256(data).hexdigest()
        base = (self.document_id.filename or permit.name or "permit").rsplit(".", 1)[0]
        doc = documents._create_version(
            permit,
            "resigned" if had_signed else "signed",
            lambda: io.BytesIO(data),
            digest,
            len(data),
            f"{base}-signed.pdf",
            "signing",
            fallback_bytes=data,
        )
        self._write_internal(
            {
                "state": "signed",
                "signed_document_id": doc.id,
                "signed_at": fields.Datetime.now(),
                "bsre_document_id": id_dokumen or self.bsre_document_id,
                "error_message": False,
            }
        )
        self.env["sicantik.verification"].sudo()._publish(self, digest)
        self._sicantik_after_signature_published()
        self._close_activities(_("Signed"))
        body = _("Signed with BSrE. SHA-256: %(sha)s", sha=digest)
        if warning:
            body += f" ({warning})"
        self._chatter().message_post(body=body)
        return doc
