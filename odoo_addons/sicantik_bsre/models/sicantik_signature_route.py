"""Routing: which chain and which signer a permit type (and unit) goes to.

The most specific rule wins: one for the permit's type *and* unit before one
for the type alone.  ``auto_request`` turns on automatic requests for the
permit type (see ``sicantik.signature.request._cron_auto_request``).

The signer a rule names is used only when the permit names no signatory: the
official SICANTIK printed on the SK signs it (or their delegate), never an
official chosen by configuration instead.
"""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class SicantikSignatureRoute(models.Model):
    _name = "sicantik.signature.route"
    _description = "SICANTIK Signature Routing Rule"
    _order = "permit_type_id, unit_id, sequence, id"

    name = fields.Char(compute="_compute_name", store=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    permit_type_id = fields.Many2one(
        "sicantik.permit.type", required=True, index=True, ondelete="cascade"
    )
    unit_id = fields.Many2one(
        "sicantik.unit",
        index=True,
        ondelete="cascade",
        help="Empty: every unit without a rule of its own.",
    )
    chain_id = fields.Many2one(
        "sicantik.approval.chain",
        string="Approval Chain",
        ondelete="restrict",
        help="Empty: the signing official approves alone.",
    )
    official_id = fields.Many2one(
        "res.users",
        string="Signing Official",
        ondelete="restrict",
        domain=lambda self: [
            ("groups_id", "in", self.env.ref("sicantik_base.group_pejabat").id)
        ],
        help="Signs the permits of this type whose SK names no signatory.",
    )
    officer_id = fields.Many2one(
        "res.users",
        string="Officer for Returned Requests",
        ondelete="set null",
        help="Automatic requests are made in this officer's name: a rejected "
        "one comes back to them (activity).",
    )
    auto_request = fields.Boolean(
        string="Request Automatically",
        help="Create a signature request as soon as a permit of this type is "
        "decided (approved, SK number present) and its original PDF is stored.",
    )

    @api.depends("permit_type_id.name", "unit_id.name")
    def _compute_name(self):
        for route in self:
            parts = [route.permit_type_id.name or ""]
            if route.unit_id:
                parts.append(route.unit_id.name)
            route.name = " / ".join(parts)

    @api.constrains("permit_type_id", "unit_id", "active")
    def _check_unique(self):
        for route in self.filtered("active"):
            if self.search_count(
                [
                    ("id", "!=", route.id),
                    ("permit_type_id", "=", route.permit_type_id.id),
                    ("unit_id", "=", route.unit_id.id),
                ]
            ):
                raise ValidationError(
                    _("There is already a routing rule for %(name)s.", name=route.name)
                )

    @api.model
    def _for_permit(self, permit):
        """The rule of ``permit``: its type and unit first, then its type."""
        if not permit.permit_type_id:
            return self.browse()
        routes = self.sudo().search(
            [
                ("permit_type_id", "=", permit.permit_type_id.id),
                ("unit_id", "in", [permit.unit_id.id, False]),
            ]
        )
        return routes.sorted(lambda r: (not r.unit_id, r.sequence, r.id))[:1]
