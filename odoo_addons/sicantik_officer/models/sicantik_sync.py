from odoo import models


class SicantikSync(models.AbstractModel):
    """Start the SLA update once a sync cycle has finished.

    The sync commits each batch and finishes a run when it finds no work; the
    SLA cron is *triggered* (not run inline) so the sync's transaction stays
    short and a slow SLA update can never hold the sync's advisory lock.
    """

    _inherit = "sicantik.sync"

    def _finish_run(self, run):
        result = super()._finish_run(run)
        if run.kind == "sync" and run.source_rows:
            cron = self.env.ref(
                "sicantik_officer.ir_cron_sicantik_sla", raise_if_not_found=False
            )
            if cron:
                cron.sudo()._trigger()
        return result
