from odoo import api, models

#: Crons a sync run that wrote rows starts: revocations must reach the public
#: page within one sync cycle (not the hourly run), and decided permits may
#: need an automatic signature request (that cron is optional: another addon
#: version may not ship it yet).
AFTER_SYNC_CRONS = (
    "sicantik_bsre.ir_cron_refresh_revocations",
    "sicantik_bsre.ir_cron_auto_request",
)


def trigger_crons(env, xmlids):
    """``_trigger()`` each cron of ``xmlids`` that exists (none runs inline)."""
    for xmlid in xmlids:
        cron = env.ref(xmlid, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()


class SicantikSync(models.AbstractModel):
    """Follow the sync: a run that wrote rows starts the revocation refresh
    (and the automatic requests, where that cron exists)."""

    _inherit = "sicantik.sync"

    @api.model
    def _sicantik_after_rows_written(self, counts):
        result = super()._sicantik_after_rows_written(counts)
        if counts.get("permit"):
            trigger_crons(self.env, AFTER_SYNC_CRONS)
        return result
