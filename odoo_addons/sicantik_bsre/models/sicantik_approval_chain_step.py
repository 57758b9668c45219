"""One initialling (paraf) step of a chain: a named user, or anyone of a group.

A group step (e.g. every Kasi of the unit) lets whichever member is present
initial; the permit's unit still limits who that is.
"""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class SicantikApprovalChainStep(models.Model):
    _name = "sicantik.approval.chain.step"
    _description = "SICANTIK Approval Chain Step"
    _order = "chain_id, sequence, id"

    chain_id = fields.Many2one(
        "sicantik.approval.chain", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Step", required=True, help="e.g. Paraf Kasi Perizinan")
    user_id = fields.Many2one("res.users", string="User", ondelete="restrict")
    group_id = fields.Many2one(
        "res.groups",
        string="Group",
        ondelete="restrict",
        help="Any member of this group (in the permit's unit) may initial.",
    )

    @api.constrains("user_id", "group_id")
    def _check_actor(self):
        for step in self:
            if bool(step.user_id) == bool(step.group_id):
                raise ValidationError(
                    _("Step %(step)s needs either a user or a group.", step=step.name)
                )
