"""Retention checkpoints: where archived events left PostgreSQL.

Why a checkpoint instead of simply deleting old rows: the live chain must still
verify after its oldest events are gone.  A checkpoint records the last archived
link (``upto_sequence``, ``hash``) so the verifier starts there instead of at
genesis, and it records the S3 object and its SHA-256 so the archived part can
be verified too (``verify-archive``).  Checkpoints themselves are append-only:
the ORM refuses changes and a trigger refuses UPDATE/DELETE/TRUNCATE.
"""

import contextvars

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .audit_event import install_append_only_triggers, owns_audit_tables

#: Set by the retention job around the one checkpoint it creates: a Python
#: switch, so no context key sent over RPC (or a server action) creates one.
RETENTION = contextvars.ContextVar("sicantik_audit_retention", default=False)


class SicantikAuditCheckpoint(models.Model):
    _name = "sicantik.audit.checkpoint"
    _description = "SICANTIK Audit Checkpoint"
    _order = "upto_sequence desc"
    _rec_name = "upto_sequence"
    _log_access = False

    from_sequence = fields.Integer(
        string="From sequence", readonly=True, aggregator=None
    )
    upto_sequence = fields.Integer(
        string="Up to sequence", readonly=True, required=True, aggregator=None
    )
    prev_hash = fields.Char(
        string="Previous hash",
        readonly=True,
        help="Hash the first archived event links to (the previous checkpoint's "
        "hash, or the genesis hash).",
    )
    hash = fields.Char(
        readonly=True,
        help="Hash of the last archived event: the live chain " "continues from it.",
    )
    object_key = fields.Char(string="Archive object", readonly=True)
    archive_sha256 = fields.Char(string="Archive SHA-256", readonly=True)
    event_count = fields.Integer(string="Events", readonly=True)
    locked = fields.Boolean(
        string="Object lock",
        readonly=True,
        help="Whether S3 stored the archive under an Object Lock retention.",
    )
    create_time = fields.Datetime(string="Time", readonly=True)

    _sql_constraints = [
        (
            "upto_unique",
            "UNIQUE(upto_sequence)",
            "One checkpoint per archived sequence number.",
        )
    ]

    def init(self):
        res = super().init()
        if not owns_audit_tables(self.env.cr):
            return res
        install_append_only_triggers(self.env.cr, "sicantik_audit_checkpoint")
        return res

    # AccessError (a UserError) for RPC callers; empty batches are no-ops
    # where access rights allow the operation (see the event model).
    @api.model_create_multi
    def create(self, vals_list):
        if not RETENTION.get():
            self.check_access("create")
            if not vals_list:
                return self.browse()
            raise AccessError(_("Checkpoints are created by the retention job only."))
        return super().create(vals_list)

    def write(self, vals):  # pylint: disable=method-required-super
        self.check_access("write")
        if not self:
            return True
        raise AccessError(_("Audit checkpoints cannot be changed."))

    def unlink(self):  # pylint: disable=method-required-super
        self.check_access("unlink")
        if not self:
            return True
        raise AccessError(_("Audit checkpoints cannot be deleted."))

    @api.depends("from_sequence", "upto_sequence")
    def _compute_display_name(self):
        for checkpoint in self:
            checkpoint.display_name = (
                f"#{checkpoint.from_sequence}–#{checkpoint.upto_sequence}"
            )
