from odoo import api, models


class SicantikHealth(models.AbstractModel):
    """Document states for ``/sicantik/metrics``.

    Documents pending upload mean S3 was unreachable; missing or altered ones
    mean the integrity check found damage: both need an operator, so they are
    exported for alerting rather than left for someone to open the list.
    """

    _inherit = "sicantik.health"

    @api.model
    def _metrics(self):
        metrics = super()._metrics()
        self.env.cr.execute(
            "SELECT state, count(*) FROM sicantik_document GROUP BY state"
        )
        counts = dict(self.env.cr.fetchall())
        states = self.env["sicantik.document"]._fields["state"].get_values(self.env)
        for state in states:
            metrics.append(
                (
                    "sicantik_documents",
                    "gauge",
                    "Permit document versions by state",
                    counts.get(state, 0),
                    {"state": state},
                )
            )
        return metrics
