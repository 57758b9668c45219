"""Removal of S3 objects that no document version references (orphans).

Why orphans exist: a version's object is uploaded before the Odoo transaction
that records it commits (the record's id is part of the key).  When that
transaction rolls back - a crash, an error later in an import batch - the
object stays in S3 and no row names it.

How a cycle works: each call lists the next ``doc_orphan_batch`` objects
under ``permits/`` after the cursor kept in ``ir.config_parameter``, removes
those that are orphans, moves the cursor and reports ``_notify_progress``;
Odoo calls again at once while the listing goes on, so a bucket of millions is
walked in bounded steps and a killed worker resumes at the committed cursor.

What is *not* an orphan, whatever its age:

* a key some ``sicantik.document`` stores in ``object_key`` (any state);
* a key naming a version still ``pending_upload``: the retry cron adopts an
  object an earlier, rolled-back attempt left under its key (it may be doing
  so right now, uncommitted, in another transaction);
* an object younger than the grace (``doc_orphan_grace_hours``): its
  transaction may still be open;
* a key :func:`~..lib.store.object_key` cannot have made: someone else's.

The database is the only reference, so one bucket must serve one database
(see readme/CONFIGURE.md).
"""

import logging
from datetime import UTC, datetime
from itertools import islice

from odoo import api, models

from ..lib import store
from . import services

_logger = logging.getLogger(__name__)

CURSOR_PARAM = "sicantik_documents.orphan_cursor"
#: How many removed and refused keys the audit event names.
AUDIT_KEYS = 20
MAX_RECORD_ID = 2**31 - 1


class SicantikDocumentOrphans(models.AbstractModel):
    _name = "sicantik.document.orphans"
    _description = "SICANTIK Orphan Document Objects"

    @api.model
    def _cron_collect_orphans(self, grace=None):
        """One bounded batch of the collection; ``grace`` overrides the setting."""
        try:
            result = self._collect_batch(grace=grace)
        except store.StoreUnavailable as exc:
            _logger.warning("orphan collection postponed: %s", exc)
            result = {"done": 0, "remaining": 0, "removed": 0, "refused": 0}
        self.env["ir.cron"]._notify_progress(
            done=result["done"], remaining=result["remaining"]
        )
        return result

    @api.model
    def _collect_batch(self, grace=None, limit=None, prefix=store.DOCUMENTS_PREFIX):
        """Examine the next ``limit`` objects under ``prefix``; remove orphans.

        ``remaining`` is 1 while the listing goes on: S3 cannot count what
        is left without listing it all.  ``done`` counts examined objects, so
        a batch without orphans still tells Odoo to call again.
        """
        grace = services.orphan_grace() if grace is None else grace
        cutoff = datetime.now(UTC) - grace
        limit = limit or services.batch_size("doc_orphan_batch", 1000)
        params = self.env["ir.config_parameter"].sudo()
        cursor = params.get_param(CURSOR_PARAM) or None
        if cursor and not cursor.startswith(prefix):
            cursor = None
        doc_store = services.get_store()
        listing = doc_store.iter_objects(prefix, start_after=cursor)
        page = list(islice(listing, limit))
        more = bool(page) and next(listing, None) is not None
        listing.close()
        orphans = self._orphans(page, cutoff)
        refused = doc_store.delete_many(orphans)
        removed = [key for key in orphans if key not in refused]
        params.set_param(CURSOR_PARAM, page[-1].key if more else "")
        if refused:
            _logger.warning(
                "S3 refused to remove %s orphan object(s): %s",
                len(refused),
                "; ".join(f"{k} ({v})" for k, v in islice(refused.items(), 5)),
            )
        if removed or refused:
            summary = f"{len(removed)} orphan object(s) removed from S3"
            if refused:
                summary += f", {len(refused)} refused by S3"
            self.env["sicantik.audit.event"].log(
                "document.orphans_removed",
                summary=summary,
                details={
                    "count": len(removed),
                    "keys": removed[:AUDIT_KEYS],
                    "refused": len(refused),
                    "refused_keys": list(refused)[:AUDIT_KEYS],
                },
            )
        return {
            "done": len(page),
            "remaining": int(more),
            "removed": len(removed),
            "refused": len(refused),
        }

    @api.model
    def _orphans(self, objects, cutoff):
        """The keys of ``objects`` that are orphans (see the module docstring)."""
        candidates = {}
        for obj in objects:
            parts = store.parse_key(obj.key)
            if parts is not None and obj.last_modified < cutoff:
                candidates[obj.key] = parts.document_id
        if not candidates:
            return []
        # a key put by hand may name an id PostgreSQL's integer cannot hold
        doc_ids = [i for i in set(candidates.values()) if i <= MAX_RECORD_ID]
        documents = (
            self.env["sicantik.document"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch(
                [
                    "|",
                    ("object_key", "in", list(candidates)),
                    "&",
                    ("id", "in", doc_ids),
                    ("state", "=", "pending_upload"),
                ],
                ["object_key", "state"],
            )
        )
        referenced = set(documents.mapped("object_key"))
        pending = set(documents.filtered(lambda d: d.state == "pending_upload").ids)
        return [
            key
            for key, doc_id in candidates.items()
            if key not in referenced and doc_id not in pending
        ]
