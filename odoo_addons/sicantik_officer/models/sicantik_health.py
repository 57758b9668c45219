from odoo import api, models

from .sicantik_permit import office_today


class SicantikHealth(models.AbstractModel):
    """Overdue and expiring permits for ``/sicantik/metrics``."""

    _inherit = "sicantik.health"

    @api.model
    def _metrics(self):
        metrics = super()._metrics()
        cr = self.env.cr
        cr.execute("SELECT count(*) FROM sicantik_permit WHERE is_overdue")
        metrics.append(
            (
                "sicantik_permits_overdue",
                "gauge",
                "Applications in process past their SLA (working days)",
                cr.fetchone()[0],
                {},
            )
        )
        today = office_today(self.env)
        for days in (30, 60, 90):
            cr.execute(
                "SELECT count(*) FROM sicantik_permit WHERE is_issued "
                "AND sicantik_missing IS NOT TRUE "
                "AND valid_until BETWEEN %s AND %s::date + %s",
                [today, today, days],
            )
            metrics.append(
                (
                    "sicantik_permits_expiring",
                    "gauge",
                    "Issued permits expiring within the given number of days",
                    cr.fetchone()[0],
                    {"days": str(days)},
                )
            )
        return metrics
