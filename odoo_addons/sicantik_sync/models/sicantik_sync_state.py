import json

from odoo import api, fields, models


class SicantikSyncState(models.Model):
    """A watermark: how far the sync has read one SICANTIK stream.

    Watermarks are written in the same transaction as the batch they
    describe, so they move only when that batch commits: a crash or a source
    failure leaves them where the last committed batch put them.

    ``last_time`` is a SICANTIK DATETIME in the office's *local* time (it is
    compared with SICANTIK values, never shown as UTC).
    """

    _name = "sicantik.sync.state"
    _description = "SICANTIK Sync Watermark"
    _order = "name"

    name = fields.Char(string="Stream", required=True, readonly=True)
    last_id = fields.Integer(string="Last ID", readonly=True)
    last_time = fields.Char(string="Last Source Time (local)", readonly=True)
    last_sk_id = fields.Integer(string="Last SK ID", readonly=True)
    last_rat_id = fields.Integer(string="Last Activity Log ID", readonly=True)
    window_digest = fields.Char(
        string="Re-read Window Digest",
        readonly=True,
        help="Count and checksum of the tracking rows in the re-read window "
        "when it was last read: an idle cycle whose window still has this "
        "digest does not read the rows again.",
    )
    lag_minutes = fields.Integer(
        string="Minutes Since Last Successful Sync", compute="_compute_lag"
    )

    _sql_constraints = [("name_uniq", "unique(name)", "One watermark per stream.")]

    def _compute_lag(self):
        # the lag is what the sync runs (readable by officers) already show
        lag = self.env["sicantik.sync"].sudo().health()["lag_minutes"]
        for state in self:
            state.lag_minutes = lag if lag is not None else -1

    @api.model
    def _get_state(self, name):
        return self._get_states([name])[name]

    @api.model
    def _get_states(self, names):
        """The watermarks ``names`` (created at 0 when missing), one query."""
        states = {s.name: s for s in self.search([("name", "in", list(names))])}
        missing = [n for n in names if n not in states]
        for state in self.create([{"name": n} for n in missing]) if missing else []:
            states[state.name] = state
        return states

    @api.model
    def _snapshot(self):
        """All watermarks as a JSON text (stored on each run, before/after)."""
        data = {
            s.name: {
                k: v
                for k, v in {
                    "id": s.last_id,
                    "time": s.last_time,
                    "sk": s.last_sk_id,
                    "rat": s.last_rat_id,
                }.items()
                if v
            }
            for s in self.search([])
        }
        return json.dumps(data, sort_keys=True)
