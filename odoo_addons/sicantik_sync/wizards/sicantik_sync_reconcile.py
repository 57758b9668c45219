"""Reconciliation: SICANTIK vs Odoo, entity by entity.

Why a separate check besides the sync: the sync trusts its watermarks; the
reconciliation trusts nothing.  It re-reads every SICANTIK row (keyset
batches, bounded memory), recomputes the row hash exactly as the sync does,
and compares with what Odoo holds, batch range by batch range.  Per entity it
reports counts, an order-independent checksum (XOR of the first 64 bits of
every row hash) on both sides, and the ids that differ: missing in Odoo,
missing in SICANTIK, hash differs, and rows held back in quarantine.
"""

import json

from odoo import _, api, fields, models

from odoo.addons.sicantik_base.guards import guard

from ..lib import entities as ents
from ..lib import normalize as nz
from ..lib.source import SourceError

#: ids listed per category (counts are always complete)
LIST_LIMIT = 200


def reconcile_env(env, batch=5000):
    """Compare the configured SICANTIK with Odoo; a JSON-able dict per entity."""
    sync = env["sicantik.sync"]
    tz = sync._tz()
    cr = env.cr
    env.flush_all()
    report = {}
    with sync._open_source() as src:
        for entity in ents.ALL:
            table = env[entity.model]._table
            res = {
                "source_count": 0,
                "source_clean": 0,
                "odoo_count": 0,
                "quarantined": 0,
                "missing_in_odoo": [],
                "missing_in_sicantik": [],
                "hash_differs": [],
                "n_missing_in_odoo": 0,
                "n_missing_in_sicantik": 0,
                "n_hash_differs": 0,
            }
            src_hashes, odoo_hashes = [], []
            after = 0
            while True:
                ids = entity.next_ids(src, after, batch)
                upper = ids[-1] if len(ids) == batch else None
                source = {}
                rejected = set()
                for raw in entity.fetch(src, ids):
                    values, _reason = entity.convert(raw, tz)
                    if values is None:
                        rejected.add(raw["id"])
                    else:
                        source[raw["id"]] = values["row_hash"]
                # table name from the registry, bounds are ints
                query = (
                    f"SELECT sicantik_id, row_hash, sicantik_missing FROM {table} "
                    "WHERE sicantik_id > %s AND (%s IS NULL OR sicantik_id <= %s)"
                )
                cr.execute(query, [after, upper, upper])  # pylint: disable=sql-injection
                held = {}
                for sid, row_hash, missing in cr.fetchall():
                    held[sid] = row_hash
                    if not missing:
                        res["odoo_count"] += 1
                        odoo_hashes.append(row_hash)
                res["source_count"] += len(source) + len(rejected)
                res["source_clean"] += len(source)
                res["quarantined"] += len(rejected)
                src_hashes.extend(source.values())
                for sid, row_hash in source.items():
                    if sid not in held:
                        _note(res, "missing_in_odoo", sid)
                    elif held[sid] != row_hash:
                        _note(res, "hash_differs", sid)
                for sid in held:
                    if sid not in source and sid not in rejected:
                        _note(res, "missing_in_sicantik", sid)
                if upper is None:
                    break
                after = upper
            res["source_checksum"] = nz.hash_fold(src_hashes)
            res["odoo_checksum"] = nz.hash_fold(odoo_hashes)
            res["in_sync"] = not (
                res["n_missing_in_odoo"]
                or res["n_missing_in_sicantik"]
                or res["n_hash_differs"]
            )
            report[entity.name] = res
    return report


def _note(res, key, sid):
    res["n_" + key] += 1
    if len(res[key]) < LIST_LIMIT:
        res[key].append(sid)


class SicantikSyncReconcile(models.TransientModel):
    _name = "sicantik.sync.reconcile"
    _description = "SICANTIK Reconciliation Report"

    state = fields.Selection(
        [("draft", "Not Run"), ("done", "Done"), ("failed", "Failed")],
        default="draft",
        readonly=True,
    )
    in_sync = fields.Boolean(string="In Sync", readonly=True)
    error = fields.Text(readonly=True)
    line_ids = fields.One2many(
        "sicantik.sync.reconcile.line", "reconcile_id", string="Entities", readonly=True
    )

    @guard("admin")
    def action_run(self):
        """Button: reconcile the configured source (administrators only)."""
        self.ensure_one()
        self.line_ids.unlink()
        try:
            report = reconcile_env(self.env)
        except SourceError as exc:
            self.write({"state": "failed", "error": str(exc), "in_sync": False})
            return self._reopen()
        self._store(report)
        return self._reopen()

    def _store(self, report):
        lines = []
        for name, res in report.items():
            lines.append(
                (
                    0,
                    0,
                    {
                        "entity": name,
                        "source_count": res["source_count"],
                        "odoo_count": res["odoo_count"],
                        "quarantined": res["quarantined"],
                        "source_checksum": res["source_checksum"],
                        "odoo_checksum": res["odoo_checksum"],
                        "n_missing_in_odoo": res["n_missing_in_odoo"],
                        "n_missing_in_sicantik": res["n_missing_in_sicantik"],
                        "n_hash_differs": res["n_hash_differs"],
                        "missing_in_odoo": _ids(res["missing_in_odoo"]),
                        "missing_in_sicantik": _ids(res["missing_in_sicantik"]),
                        "hash_differs": _ids(res["hash_differs"]),
                        "in_sync": res["in_sync"],
                    },
                )
            )
        self.write(
            {
                "state": "done",
                "error": False,
                "line_ids": lines,
                "in_sync": all(r["in_sync"] for r in report.values()),
            }
        )
        self.env["sicantik.audit.event"].sudo().log(
            "sync.reconcile",
            summary=_(
                "SICANTIK reconciliation: %s",
                "in sync" if self.in_sync else "differences found",
            ),
            details=_summary(report),
        )

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    @api.model
    def _cron_reconcile(self):
        """Cron: run the reconciliation and record it in the audit trail."""
        self.sudo().create({}).action_run()


def _ids(ids):
    return ", ".join(str(i) for i in ids)


def _summary(report):
    """Counts only (ids can be long): what the audit and the CLI print."""
    return {
        name: {k: v for k, v in res.items() if not isinstance(v, list)}
        for name, res in report.items()
    }


def report_summary(report):
    return json.loads(json.dumps(_summary(report)))


class SicantikSyncReconcileLine(models.TransientModel):
    _name = "sicantik.sync.reconcile.line"
    _description = "SICANTIK Reconciliation Line"

    reconcile_id = fields.Many2one(
        "sicantik.sync.reconcile", required=True, ondelete="cascade"
    )
    entity = fields.Selection(
        selection=lambda self: self.env["sicantik.sync.quarantine"]
        ._fields["entity"]
        ._description_selection(self.env),
        readonly=True,
    )
    in_sync = fields.Boolean(string="In Sync", readonly=True)
    source_count = fields.Integer(string="Rows in SICANTIK", readonly=True)
    odoo_count = fields.Integer(string="Records in Odoo", readonly=True)
    quarantined = fields.Integer(string="Quarantined", readonly=True)
    source_checksum = fields.Char(string="SICANTIK Checksum", readonly=True)
    odoo_checksum = fields.Char(string="Odoo Checksum", readonly=True)
    n_missing_in_odoo = fields.Integer(string="Missing in Odoo", readonly=True)
    n_missing_in_sicantik = fields.Integer(string="Missing in SICANTIK", readonly=True)
    n_hash_differs = fields.Integer(string="Content Differs", readonly=True)
    missing_in_odoo = fields.Text(string="IDs Missing in Odoo", readonly=True)
    missing_in_sicantik = fields.Text(string="IDs Missing in SICANTIK", readonly=True)
    hash_differs = fields.Text(string="IDs Whose Content Differs", readonly=True)
