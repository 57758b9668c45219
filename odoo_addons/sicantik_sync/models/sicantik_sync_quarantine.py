from odoo import fields, models


class SicantikSyncQuarantine(models.Model):
    """A SICANTIK row the sync refused, with a reason an administrator can read.

    One record per (entity, SICANTIK id): seeing the same bad row again only
    moves ``last_seen``.  When a later cycle imports the row cleanly the
    record is marked resolved, so the open quarantine is always the list of
    rows that still need fixing in SICANTIK.  Identity numbers in the raw row
    are masked to their last four digits.
    """

    _name = "sicantik.sync.quarantine"
    _description = "SICANTIK Sync Quarantine"
    _order = "resolved, last_seen desc, id desc"
    _rec_name = "reason"

    entity = fields.Selection(
        [
            ("status", "Status"),
            ("permit_type", "Permit Type"),
            ("unit", "Unit"),
            ("official", "Official"),
            ("applicant", "Applicant"),
            ("company", "Company"),
            ("permit", "Permit"),
            ("history", "Status History"),
        ],
        required=True,
        readonly=True,
        index=True,
    )
    source_table = fields.Char(required=True, readonly=True)
    source_id = fields.Integer(string="SICANTIK ID", required=True, readonly=True)
    reason = fields.Char(required=True, readonly=True)
    raw_json = fields.Text(string="Source Row", readonly=True)
    first_seen = fields.Datetime(readonly=True)
    last_seen = fields.Datetime(readonly=True)
    seen_count = fields.Integer(string="Times Seen", readonly=True)
    resolved = fields.Boolean(readonly=True, index=True)
    resolved_at = fields.Datetime(string="Resolved On", readonly=True)

    _sql_constraints = [
        (
            "entity_source_uniq",
            "unique(entity, source_id)",
            "A SICANTIK row is quarantined at most once.",
        )
    ]
