from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.sicantik_base.guards import guard


class SicantikUnit(models.Model):
    """A work unit of SICANTIK (``trunitkerja``), mirrored like the others.

    Why it exists: record rules show an officer the permits of the units
    assigned to them (``res.users.sicantik_unit_ids``).  The name and id come
    from SICANTIK; only the officer assignment is edited in Odoo, so the
    mirror stays read-only for everything SICANTIK owns.
    """

    _name = "sicantik.unit"
    _inherit = "sicantik.mirror.mixin"
    _description = "SICANTIK Work Unit"
    _order = "name, sicantik_id"

    name = fields.Char(required=True, readonly=True)
    user_ids = fields.Many2many(
        "res.users",
        "sicantik_unit_res_users_rel",
        "unit_id",
        "user_id",
        string="Officers",
        help="Odoo users who see the permits of this unit.",
    )
    permit_count = fields.Integer(compute="_compute_permit_count")

    def _compute_permit_count(self):
        data = self.env["sicantik.permit"]._read_group(
            [("unit_id", "in", self.ids)], ["unit_id"], ["__count"]
        )
        counts = {unit.id: count for unit, count in data}
        for unit in self:
            unit.permit_count = counts.get(unit.id, 0)

    @guard("admin")
    def write(self, vals):
        # the guard also refuses an empty recordset, which the ORM would accept
        if not self.env.su and set(vals) - {"user_ids"}:
            # the sync writes through SQL; SICANTIK owns everything else
            raise UserError(
                _("Units come from SICANTIK: only their officers can be changed.")
            )
        res = super().write(vals)
        if "user_ids" in vals:
            # record rules read the assignment: their cached domains are stale
            self.env.registry.clear_cache()
        return res

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if any(vals.get("user_ids") for vals in vals_list):
            self.env.registry.clear_cache()
        return records

    @guard("petugas", "auditor")
    def action_open_permits(self):
        """Button: the unit's permits (record rules still apply to the list)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sicantik_sync.sicantik_permit_action"
        )
        action["domain"] = [("unit_id", "=", self.id)]
        return action
