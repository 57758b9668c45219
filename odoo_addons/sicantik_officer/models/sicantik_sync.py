from odoo import api, models


class SicantikSync(models.AbstractModel):
    """Start the SLA update once a sync run has written rows.

    The SLA cron is *triggered* (not run inline) so the sync's transaction stays
    short and a slow SLA update can never hold the sync's advisory lock.
    """

    _inherit = "sicantik.sync"

    @api.model
    def _sicantik_after_rows_written(self, counts):
        result = super()._sicantik_after_rows_written(counts)
        cron = self.env.ref(
            "sicantik_officer.ir_cron_sicantik_sla", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger()
        return result
