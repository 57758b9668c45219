"""Plt. / Plh. / a.n.: a deputy acts for an official, for a time and a scope.

Why a record and not a second signer on the request: who may act is decided
at the moment of acting.  A delegation is valid from ``date_from`` to
``date_to`` (both included, in the office's calendar), only for the permit
types and units it lists (none listed: all), and only for what it allows
(initialling steps, signing).  An expired delegation, another deputy or a
permit outside the scope gets an AccessError like any other user.
Administrators record delegations; the principal and the deputy see theirs.
"""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import delegation as wording

KINDS = [
    ("an", "a.n. (on behalf of)"),
    ("plt", "Plt. (acting official)"),
    ("plh", "Plh. (daily acting official)"),
]


class SicantikDelegation(models.Model):
    _name = "sicantik.delegation"
    _description = "SICANTIK Delegation (Plt./Plh./a.n.)"
    _inherit = ["mail.thread"]
    _order = "date_from desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    kind = fields.Selection(KINDS, required=True, default="plt", tracking=True)
    principal_id = fields.Many2one(
        "res.users",
        string="On Behalf Of",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
        help="The official whose step or signature the deputy takes over.",
    )
    delegate_id = fields.Many2one(
        "res.users",
        string="Deputy",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
    )
    date_from = fields.Date(string="From", required=True, tracking=True)
    date_to = fields.Date(string="To", required=True, tracking=True)
    permit_type_ids = fields.Many2many(
        "sicantik.permit.type",
        string="Permit Types",
        help="Empty: every permit type.",
    )
    unit_ids = fields.Many2many(
        "sicantik.unit", string="Units", help="Empty: every unit."
    )
    for_steps = fields.Boolean(string="Initial (paraf) Steps", default=True)
    for_signing = fields.Boolean(string="Sign", default=True)
    active = fields.Boolean(default=True, tracking=True)
    note = fields.Text(string="Decree / Note", help="e.g. the Plt. decree number.")

    @api.depends("kind", "principal_id.name", "delegate_id.name")
    def _compute_name(self):
        for record in self:
            record.name = (
                f"{wording.PREFIX.get(record.kind, '')} "
                f"{record.principal_id.name or ''} → {record.delegate_id.name or ''}"
            )

    @api.constrains("principal_id", "delegate_id", "date_from", "date_to")
    def _check_values(self):
        for record in self:
            if record.principal_id == record.delegate_id:
                raise ValidationError(_("An official cannot deputise for themselves."))
            if record.date_to < record.date_from:
                raise ValidationError(_("A delegation ends after it starts."))

    def _covers(self, permit, day, purpose):
        """Is this delegation valid on ``day`` for ``permit`` and ``purpose``?"""
        self.ensure_one()
        if not (self.active and self.date_from <= day <= self.date_to):
            return False
        if purpose == "sign" and not self.for_signing:
            return False
        if purpose == "step" and not self.for_steps:
            return False
        if self.permit_type_ids and permit.permit_type_id not in self.permit_type_ids:
            return False
        return not self.unit_ids or permit.unit_id in self.unit_ids

    @api.model
    def _valid_today(self, principals, permit, purpose, delegate=None):
        """Delegations valid today for one of ``principals`` on ``permit`` for
        ``purpose`` (``step`` or ``sign``), of ``delegate`` when given."""
        if not principals:
            return self.browse()
        today = fields.Date.context_today(self)
        domain = [
            ("principal_id", "in", principals.ids),
            ("date_from", "<=", today),
            ("date_to", ">=", today),
        ]
        if delegate is not None:
            domain.append(("delegate_id", "=", delegate.id))
        return (
            self.sudo()
            .search(domain)
            .filtered(lambda d: d._covers(permit.sudo(), today, purpose))
        )

    @api.model
    def _find(self, principals, delegate, permit, purpose):
        """The first valid delegation of ``delegate`` for one of ``principals``."""
        if not delegate:
            return self.browse()
        return self._valid_today(principals, permit, purpose, delegate)[:1]

    @api.model
    def _deputies(self, principals, permit, purpose):
        """Every deputy who may act today for one of ``principals`` on ``permit``."""
        return self._valid_today(principals, permit, purpose).delegate_id

    def _office_line(self):
        """``Plt. Kepala Dinas …`` for this delegation's principal."""
        self.ensure_one()
        principal = self.sudo().principal_id
        return wording.office_line(
            self.kind, principal.sicantik_official_id.position, principal.name
        )

    def _signer_line(self, signer):
        self.ensure_one()
        principal = self.sudo().principal_id
        return wording.signer_line(
            self.kind,
            principal.sicantik_official_id.position,
            principal.name,
            signer.name,
            signer.sudo().sicantik_official_id.position,
        )
