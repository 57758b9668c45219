from odoo import api, fields, models


class SicantikSyncRun(models.Model):
    """One synchronisation cycle (or one full re-check pass).

    A cycle usually spans several cron calls, one committed batch each; the
    run stays ``running`` until a call finds nothing left to read.  A failed
    batch is rolled back (watermarks included) and the run recorded as
    ``failed`` with a redacted error; the next cycle starts a new run from the
    last committed watermarks.
    """

    _name = "sicantik.sync.run"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "SICANTIK Sync Run"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    kind = fields.Selection(
        [("sync", "Incremental Sync"), ("recheck", "Full Re-check")],
        required=True,
        default="sync",
        readonly=True,
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        required=True,
        default="running",
        readonly=True,
        index=True,
    )
    started_at = fields.Datetime(string="Started", readonly=True)
    finished_at = fields.Datetime(string="Finished", readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 3))
    batch_count = fields.Integer(string="Batches", readonly=True)
    source_rows = fields.Integer(string="Source Rows Read", readonly=True)
    # Stored when the run finishes (older runs: migrations/18.0.1.1.0), so
    # throughput can be compared between runs without recomputing.
    rows_per_second = fields.Float(
        string="Rows per Second", readonly=True, digits=(16, 1), aggregator="avg"
    )
    created_count = fields.Integer(string="Created", readonly=True)
    updated_count = fields.Integer(string="Updated", readonly=True)
    unchanged_count = fields.Integer(string="Unchanged", readonly=True)
    quarantined_count = fields.Integer(string="Quarantined", readonly=True)
    missing_count = fields.Integer(string="Marked Missing", readonly=True)
    watermarks_before = fields.Text(string="Watermarks Before", readonly=True)
    watermarks_after = fields.Text(string="Watermarks After", readonly=True)
    details = fields.Text(string="Counts per Entity", readonly=True)
    error = fields.Text(readonly=True)

    @api.depends("kind", "started_at")
    def _compute_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for run in self:
            run.name = f"{labels.get(run.kind, '')} #{run.id or ''}"

    @api.autovacuum
    def _gc_idle_runs(self):
        """Forget idle cycles after a week: a minute cron makes 1,440 a day.

        Only successful runs that read nothing are removed; runs that changed
        something, failed runs and re-checks are kept (the audit trail keeps
        every run anyway).
        """
        limit = fields.Datetime.subtract(fields.Datetime.now(), days=7)
        self.search(
            [
                ("state", "=", "done"),
                ("kind", "=", "sync"),
                ("source_rows", "=", 0),
                ("finished_at", "<", limit),
            ],
            limit=10000,
        ).unlink()

    def _summary(self):
        """The one-line JSON-able summary the CLI prints."""
        self.ensure_one()
        return {
            "run_id": self.id,
            "kind": self.kind,
            "state": self.state,
            "created": self.created_count,
            "updated": self.updated_count,
            "unchanged": self.unchanged_count,
            "quarantined": self.quarantined_count,
            "missing": self.missing_count,
            "source_rows": self.source_rows,
            "batches": self.batch_count,
            "duration_s": round(self.duration or 0.0, 3),
            "error": self.error or None,
        }
