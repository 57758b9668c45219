"""An office's paraf chain: who initials a draft SK before the signer signs.

A DPMPTSP does not send a draft straight to the head: the Kasi initials it,
then the Kabid, then the Kepala Dinas signs.  A chain lists the initialling
steps in order; the signing official is always the last step and is not
listed (the permit names them, or the routing rule does).  A permit type
without a chain keeps the single approval by the signer.
"""

from odoo import fields, models


class SicantikApprovalChain(models.Model):
    _name = "sicantik.approval.chain"
    _description = "SICANTIK Approval Chain (paraf)"
    _order = "name"

    name = fields.Char(required=True, translate=False)
    active = fields.Boolean(default=True)
    step_ids = fields.One2many(
        "sicantik.approval.chain.step", "chain_id", string="Steps", copy=True
    )
    restart_mode = fields.Selection(
        [
            ("first", "From the first step"),
            ("rejecting", "From the step that rejected"),
        ],
        string="After a Rejection, Restart",
        default="first",
        required=True,
        help="Where a resubmitted request starts again. From the step that "
        "rejected: the initials given before it stand.",
    )
    note = fields.Text()
