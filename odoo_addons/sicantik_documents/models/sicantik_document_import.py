"""Import of SICANTIK's upload folder, one bounded batch per cron call.

How a cycle works: the scanner walks the folder in a fixed order (sorted path
components); each call takes the next ``doc_import_batch`` paths after the
cursor kept in ``ir.config_parameter``, checks them (``lib/scanner.py``),
imports the good ones, quarantines the others, moves the cursor and reports
``_notify_progress(done, remaining)``.  Odoo commits after each call and calls
again at once while work remains, so a killed worker resumes at the last
committed cursor.  At the end of the tree the cursor is cleared and the next
cycle starts at the following interval.

Why files are re-checked every cycle: SICANTIK's folder has no change log.
Unchanged files are cheap (same size and mtime as the last import → no
re-hash); a changed file (new SHA-256) becomes a new version; a file is never
written, moved or deleted.  A PostgreSQL advisory lock keeps two workers from
importing the same batch twice.
"""

import functools
import logging
import zlib
from itertools import islice

from odoo import api, models
from odoo.tools import SQL

from ..lib import scanner as scanner_lib
from . import services

_logger = logging.getLogger(__name__)

CURSOR_PARAM = "sicantik_documents.import_cursor"
LOCK_KEY = zlib.crc32(b"sicantik_documents.import")


class SicantikDocumentImport(models.AbstractModel):
    _name = "sicantik.document.import"
    _description = "SICANTIK Upload Folder Import"

    @api.model
    def _cron_import_folder(self):
        result = self._import_batch()
        self.env["ir.cron"]._notify_progress(
            done=result["done"], remaining=result["remaining"]
        )
        return result

    @api.model
    def _import_cycle(self, max_batches=100000):
        """Run batches until the whole folder was seen (CLI, tests, benchmark).

        Private, like every method here: over RPC any reader of a model could
        otherwise start an import of the whole folder.
        """
        totals = {}
        for _i in range(max_batches):
            result = self._import_batch()
            for key, value in result.items():
                if isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
            if not result["remaining"]:
                break
        return totals

    @api.model
    def _import_batch(self, limit=None):
        """Import the next batch of the folder; return counters."""
        result = {
            "done": 0,
            "remaining": 0,
            "imported": 0,
            "unchanged": 0,
            "pending": 0,
            "quarantined": 0,
        }
        root = services.upload_root()
        if not root:
            _logger.info("SICANTIK upload folder not configured or not mounted")
            return result
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        if not self.env.cr.fetchone()[0]:
            return result  # another worker is importing right now
        params = self.env["ir.config_parameter"].sudo()
        cursor = params.get_param(CURSOR_PARAM) or None
        scan = services.get_scanner(root)
        walker = scan.walk(start_after=cursor)
        limit = limit or services.batch_size("doc_import_batch", 200)
        paths = list(islice(walker, limit))
        result["remaining"] = sum(1 for _p in walker)
        result["done"] = len(paths)
        if paths:
            self._import_paths(scan, paths, result)
        params.set_param(
            CURSOR_PARAM, paths[-1] if paths and result["remaining"] else ""
        )
        return result

    @api.model
    def _import_paths(self, scan, paths, result):
        Document = self.env["sicantik.document"].sudo()
        Quarantine = self.env["sicantik.document.quarantine"].sudo()
        index = self._permit_index([scan.identify(p)[1] for p in paths])
        scan.match = index.match
        known = self._known(paths)
        checked = [scan.check(p, known.get(p)) for p in paths]
        permits = self.env["sicantik.permit"].browse(
            {r.permit for r in checked if r.ok}
        )
        seen = self._existing_hashes(permits)
        refused = [r for r in checked if not r.ok]
        clean_paths = [r.relative_path for r in checked if r.ok]
        new_files = []
        for res in checked:
            if not res.ok:
                continue
            if (res.permit, res.sha256) in seen:
                result["unchanged"] += 1
                continue
            seen.add((res.permit, res.sha256))
            new_files.append(res)
        imported = Document.browse()
        s3_state = {}
        if new_files:
            imported, s3_state = self._store_new(scan, new_files, refused, result)
        refused_paths = {r.relative_path for r in refused}
        clean_paths = [p for p in clean_paths if p not in refused_paths]
        if clean_paths:
            Quarantine._resolve(clean_paths)
        new_rows = Quarantine._record(refused) if refused else Quarantine
        result["quarantined"] = len(refused)
        self._audit(imported, new_rows, s3_state)

    @api.model
    def _store_new(self, scan, new_files, refused, result):
        """Create the new versions in one batch, then upload them in parallel.

        The records exist (``pending_upload``) before any byte moves, so their
        ids name the objects; a file that changed since it was hashed is
        dropped again and quarantined as ``unstable``.
        """
        Document = self.env["sicantik.document"].sudo()
        reals = {}
        for res in list(new_files):
            try:
                reals[res.relative_path] = scan.resolve(res.relative_path)
            except scanner_lib.UnsafePath as exc:  # became a link since the check
                new_files.remove(res)
                refused.append(res.refuse("path_escape", str(exc)))
        versions = Document._next_versions({r.permit for r in new_files}, "original")
        values = []
        for res in new_files:
            version = versions[res.permit]
            versions[res.permit] += 1
            values.append(
                {
                    "permit_id": res.permit,
                    "kind": "original",
                    "version": version,
                    "sha256": res.sha256,
                    "size": res.size,
                    "filename": res.relative_path.rsplit("/", 1)[-1],
                    "origin": "folder",
                    "source_path": res.relative_path,
                    "source_mtime": res.mtime,
                }
            )
        docs = Document._create_internal(values)
        openers = {
            doc: functools.partial(open, reals[res.relative_path], "rb")
            for doc, res in zip(docs, new_files, strict=True)
        }
        outcome = docs._upload_parallel(
            openers, workers=services.batch_size("doc_upload_workers", 4)
        )
        dropped = Document.browse()
        s3_state = {}
        for doc, res in zip(docs, new_files, strict=True):
            state = outcome[doc]
            if state == "stored":
                result["imported"] += 1
            elif state == "pending":
                result["pending"] += 1
                s3_state["down"] = doc.last_error
            else:
                dropped |= doc
                refused.append(res.refuse("unstable", str(state)[:300]))
        if dropped:
            dropped.unlink()
        return docs - dropped, s3_state

    @api.model
    def _audit(self, imported, new_rows, s3_state):
        Audit = self.env["sicantik.audit.event"]
        if imported:
            pending = imported.filtered(lambda d: d.state == "pending_upload")
            Audit.log(
                "document.import",
                summary=f"{len(imported)} document version(s) imported from the "
                f"upload folder, {len(pending)} waiting for S3",
                record=imported,
                details={
                    "stored": len(imported) - len(pending),
                    "pending": len(pending),
                    "s3_error": s3_state.get("down"),
                },
            )
        if new_rows:
            reasons = {}
            for row in new_rows:
                reasons[row.reason] = reasons.get(row.reason, 0) + 1
            Audit.log(
                "document.quarantine",
                summary=f"{len(new_rows)} file(s) of the upload folder refused",
                record=new_rows,
                details={"reasons": reasons, "paths": new_rows.mapped("path")[:50]},
            )

    @api.model
    def _known(self, paths):
        """Last (size, mtime, sha256) seen per path: skip re-hashing those."""
        self.env["sicantik.document"].flush_model()
        self.env["sicantik.document.quarantine"].flush_model()
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (source_path) source_path, size, source_mtime, sha256
              FROM sicantik_document
             WHERE source_path = ANY(%s) AND sha256 IS NOT NULL
             ORDER BY source_path, id DESC
            """,
            [list(paths)],
        )
        known = {row[0]: tuple(row[1:]) for row in self.env.cr.fetchall()}
        self.env.cr.execute(
            """
            SELECT path, size, mtime, sha256 FROM sicantik_document_quarantine
             WHERE path = ANY(%s) AND sha256 IS NOT NULL AND active
            """,
            [list(paths)],
        )
        for path, *rest in self.env.cr.fetchall():
            known.setdefault(path, tuple(rest))
        return known

    @api.model
    def _existing_hashes(self, permits):
        if not permits:
            return set()
        self.env["sicantik.document"].flush_model()
        self.env.cr.execute(
            "SELECT permit_id, sha256 FROM sicantik_document WHERE permit_id = ANY(%s)",
            [permits.ids],
        )
        return set(self.env.cr.fetchall())

    @api.model
    def _permit_index(self, parsed):
        """A :class:`PermitIndex` over the permits the batch's paths can name.

        One query for the whole batch, by any identifying value parsed from the
        paths (SICANTIK id, registration number, SK number).
        """
        ids, numbers, sks = set(), set(), set()
        for values in parsed:
            if values.get("tmpermohonan_id", "").isdigit():
                ids.add(int(values["tmpermohonan_id"]))
            if values.get("pendaftaran_id"):
                numbers.add(values["pendaftaran_id"])
            if values.get("no_surat"):
                sks.add(values["no_surat"])
        if not (ids or numbers or sks):
            return scanner_lib.PermitIndex([])
        self.env["sicantik.permit"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, p.sicantik_id, p.name, p.sk_number, t.name,
                       COALESCE(c.sicantik_id, NULLIF(p.company_sid, 0)), c.name
                  FROM sicantik_permit p
                  LEFT JOIN sicantik_permit_type t ON t.id = p.permit_type_id
                  LEFT JOIN sicantik_company c ON c.id = p.company_id
                 WHERE p.sicantik_id = ANY(%s) OR p.name = ANY(%s)
                    OR p.sk_number = ANY(%s)
                """,
                list(ids),
                list(numbers),
                list(sks),
            )
        )
        rows = [
            {
                "key": row[0],
                "tmpermohonan_id": row[1],
                "pendaftaran_id": row[2],
                "no_surat": row[3],
                "n_perizinan": row[4],
                "id_perusahaan": row[5],
                "n_perusahaan": row[6],
            }
            for row in self.env.cr.fetchall()
        ]
        return scanner_lib.PermitIndex(rows)
