from odoo import fields, models


class SicantikMirrorMixin(models.AbstractModel):
    """Fields every record mirrored from SICANTIK carries.

    Why: the SICANTIK id is the identity of a mirrored record.  A UNIQUE
    constraint on it is what makes the batch upsert (``INSERT … ON CONFLICT
    (sicantik_id)``) possible and what guarantees that no crash, retry or
    concurrent worker can ever create a duplicate.  ``row_hash`` lets the
    upsert skip unchanged rows in SQL; ``sicantik_missing`` records that a row
    disappeared from SICANTIK, because mirrored records are never deleted.
    """

    _name = "sicantik.mirror.mixin"
    _description = "SICANTIK mirrored record"

    sicantik_id = fields.Integer(
        string="SICANTIK ID", required=True, readonly=True, index=False
    )
    row_hash = fields.Char(string="Row Hash", readonly=True, copy=False)
    sicantik_missing = fields.Boolean(
        string="Missing from SICANTIK",
        readonly=True,
        help="Set by the full re-check when the row no longer exists in "
        "SICANTIK. The record is kept.",
    )
    last_synced_at = fields.Datetime(
        string="Last Synchronised", readonly=True, help="Last time a sync changed it."
    )

    _sql_constraints = [
        (
            "sicantik_id_uniq",
            "unique(sicantik_id)",
            "A SICANTIK record can be mirrored only once.",
        )
    ]
