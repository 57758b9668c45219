from odoo import api, fields, models

from ..lib.scanner import REASONS

#: Reason codes of ``lib/scanner.py`` with labels Odoo can translate (the
#: English texts of ``REASONS`` stay the log/detail language).
REASON_SELECTION = [
    ("path_escape", "Path outside the upload folder"),
    ("unsafe_value", "Unsafe value in the path template"),
    ("not_regular", "Not a regular file"),
    ("unreadable", "Unreadable"),
    ("empty", "Empty file"),
    ("too_large", "Too large"),
    ("not_pdf", "Not a PDF"),
    ("unstable", "Changed while read"),
    ("no_template", "Name matches no template"),
    ("no_permit", "No matching permit"),
    ("ambiguous", "Several matching permits"),
    ("mismatch", "Path disagrees with the permit"),
]
assert {code for code, _label in REASON_SELECTION} == set(REASONS)


class SicantikDocumentQuarantine(models.Model):
    """A file of the upload folder that was refused, and why.

    One row per path, kept up to date by every scan (``last_seen``), so an
    administrator sees what to fix in SICANTIK or in the path templates; the
    row is archived automatically once the file imports cleanly.  Nothing is
    ever done to the file itself: the folder is read-only.
    """

    _name = "sicantik.document.quarantine"
    _description = "SICANTIK Quarantined Document File"
    _order = "last_seen desc, id desc"
    _rec_name = "path"

    path = fields.Char(required=True, readonly=True, index=True)
    reason = fields.Selection(REASON_SELECTION, required=True, readonly=True)
    detail = fields.Char(readonly=True)
    size = fields.Integer(string="Size (bytes)", readonly=True)
    sha256 = fields.Char(string="SHA-256", readonly=True)
    mtime = fields.Float(string="Modified (epoch)", readonly=True)
    permit_id = fields.Many2one(
        "sicantik.permit", string="Permit", readonly=True, ondelete="set null"
    )
    first_seen = fields.Datetime(readonly=True, default=fields.Datetime.now)
    last_seen = fields.Datetime(readonly=True, default=fields.Datetime.now)
    times_seen = fields.Integer(readonly=True, default=1)
    active = fields.Boolean(default=True)
    note = fields.Text(help="What was done about this file (for colleagues).")

    _sql_constraints = [
        ("path_uniq", "unique(path)", "A path is quarantined once."),
    ]

    @api.model
    def _record(self, results):
        """Insert or refresh one row per refused :class:`ScannedFile`.

        Returns the rows that are new (or came back after being resolved), the
        ones worth an audit event.
        """
        paths = [r.relative_path for r in results]
        existing = {
            q.path: q
            for q in self.sudo()
            .with_context(active_test=False)
            .search([("path", "in", paths)])
        }
        now = fields.Datetime.now()
        new = self.browse()
        to_create = []
        for res in results:
            values = {
                "reason": res.reason,
                "detail": (res.detail or "")[:500],
                "size": res.size or 0,
                "sha256": res.sha256 or False,
                "mtime": res.mtime or 0.0,
                "last_seen": now,
            }
            row = existing.get(res.relative_path)
            if row:
                if not row.active:
                    new |= row
                row.write(dict(values, active=True, times_seen=row.times_seen + 1))
            else:
                to_create.append(dict(values, path=res.relative_path, first_seen=now))
        if to_create:
            new |= self.sudo().create(to_create)
        return new

    @api.model
    def _resolve(self, paths):
        """Archive the rows of paths that now import cleanly."""
        rows = self.sudo().search([("path", "in", list(paths))])
        rows.write({"active": False})
        return rows
