from odoo import fields, models


class ResUsers(models.Model):
    """The SICANTIK units whose permits an officer sees.

    Why on the user: the officers' record rules evaluate
    ``user.sicantik_unit_ids.ids``.  An officer without any unit sees every
    permit, so offices that never configure units keep working unchanged.
    """

    _inherit = "res.users"

    sicantik_unit_ids = fields.Many2many(
        "sicantik.unit",
        "sicantik_unit_res_users_rel",
        "user_id",
        "unit_id",
        string="Units (SICANTIK)",
        groups="sicantik_base.group_admin",
        help="Permits of these SICANTIK work units (and permits without a unit) "
        "are visible to this officer. Leave empty to show every permit.",
    )

    def write(self, vals):
        res = super().write(vals)
        if "sicantik_unit_ids" in vals:
            # record rules read the assignment: their cached domains are stale
            self.env.registry.clear_cache()
        return res
