"""Verification, anchoring and retention of the audit chain.

These are the three jobs that turn "rows with hashes" into evidence:

- **verify** recomputes every hash from the stored columns, starting at the
  last retention checkpoint, and names the first broken sequence; it also
  compares the anchors found in S3 with the database;
- **anchor** writes the chain head to S3 once a day (Object Lock retention where
  the bucket supports it), so a database rewritten *consistently* is still
  caught by the anchors it can no longer match;
- **retention** moves events older than the configured age to S3 as a
  ``.jsonl.gz`` archive with their hashes, records a checkpoint, and only then
  deletes them through the one door the trigger leaves open.

Each is a model method (for the button and the crons) that the command line
(``cli/sicantik_audit.py``) calls as well.
"""

import json
import logging
import zlib
from datetime import datetime, timedelta, timezone

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.sicantik_base.guards import guard
from odoo.addons.sicantik_base.lib import settings

from ..lib import anchor_store, chain
from . import audit_event
from .audit_checkpoint import RETENTION

_logger = logging.getLogger(__name__)

_ROW_COLUMNS = audit_event.ROW_SELECT
_SELECT_AFTER = _ROW_COLUMNS + " WHERE sequence > %s ORDER BY sequence"
_SELECT_RANGE = (
    _ROW_COLUMNS + " WHERE sequence > %s AND sequence <= %s ORDER BY sequence"
)
_SELECT_EXPORT = (
    _ROW_COLUMNS + " WHERE id IN %s AND sequence IS NOT NULL ORDER BY sequence"
)
DEFAULT_RETENTION_DAYS = 1825
DEFAULT_BATCH = 100_000


class SicantikAuditEvent(models.Model):
    _inherit = "sicantik.audit.event"

    # ------------------------------------------------------------ S3 store
    @api.model
    def _audit_anchor_key(self):
        """The HMAC key of the anchors (``audit_anchor_key``), required.

        Why required: an unkeyed anchor is a SHA-256 anyone with S3 write
        access (or Odoo's S3 credentials) can recompute for a rewritten chain.
        """
        key = settings.get("audit_anchor_key")
        if not key:
            raise UserError(
                _(
                    "SICANTIK_AUDIT_ANCHOR_KEY is not configured: the audit chain "
                    "cannot be anchored or its anchors verified."
                )
            )
        return key

    @api.model
    def _audit_namespace(self):
        """The S3 folder of this trail's evidence.

        ``audit_namespace`` from the deployment, else the value recorded once
        at install in ``sicantik_audit_meta`` (see ``_audit_install_meta``) —
        never an ``ir.config_parameter`` such as ``database.uuid``, which an
        administrator could edit to point verification at an empty folder
        where no anchor contradicts a rewritten chain.  (An emptied folder is
        caught anyway: see ``_audit_verify_anchors``.)
        """
        configured = settings.get("audit_namespace")
        if configured:
            return configured
        cr = self.env.cr
        cr.execute("SELECT to_regclass('sicantik_audit_meta')")
        if cr.fetchone()[0]:
            cr.execute("SELECT namespace FROM sicantik_audit_meta WHERE id = 1")
            row = cr.fetchone()
            if row:
                return row[0]
        return cr.dbname

    @api.model
    def _audit_store(self):
        """The S3 store of this database's anchors and archives, or None.

        Objects live under ``<prefix>/<namespace>/`` so that several databases
        (production, a restored copy on staging with its own namespace) sharing
        a bucket never mix their evidence.
        """
        if not (settings.get("s3_endpoint") and settings.get("s3_bucket")):
            return None
        prefix = "{}/{}".format(
            settings.get("audit_s3_prefix", "sicantik-audit"), self._audit_namespace()
        )
        return anchor_store.AnchorStore.from_settings(settings.SETTINGS, prefix)

    # -------------------------------------------------------------- verify
    @api.model
    def _audit_chain_start(self):
        """``(sequence, hash)`` the live chain continues from."""
        checkpoint = self.env["sicantik.audit.checkpoint"].sudo().search([], limit=1)
        if checkpoint:
            return checkpoint.upto_sequence, checkpoint.hash
        return 0, chain.GENESIS

    @api.model
    def _audit_verify_start(self):
        """``(sequence, hash)`` the verifier starts from: the last checkpoint
        *below the oldest event still in the table*, not simply the last one.

        Why: the retention job deletes what a checkpoint covers in the same
        transaction.  A checkpoint inserted over live rows (by anyone with SQL)
        would otherwise make the verifier skip them; this way it is ignored
        here and reported by the checkpoint and archive checks.
        """
        cr = self.env.cr
        cr.execute(
            "SELECT min(sequence) FROM sicantik_audit_event"
            " WHERE sequence IS NOT NULL"
        )
        first = cr.fetchone()[0]
        if first is None:
            return self._audit_chain_start()
        cr.execute(
            "SELECT upto_sequence, hash FROM sicantik_audit_checkpoint"
            " WHERE upto_sequence < %s ORDER BY upto_sequence DESC LIMIT 1",
            [first],
        )
        row = cr.fetchone()
        return (row[0], row[1]) if row else (0, chain.GENESIS)

    @api.model
    def _audit_verify_checkpoints(self):
        """The checkpoints link end to end (no S3 read): a checkpoint inserted
        by hand seldom does, and its archive is checked by
        ``_audit_verify_archives``."""
        prev_seq, prev_hash = 0, chain.GENESIS
        checkpoints = (
            self.env["sicantik.audit.checkpoint"]
            .sudo()
            .search([], order="upto_sequence")
        )
        for checkpoint in checkpoints:
            if (
                checkpoint.from_sequence != prev_seq + 1
                or checkpoint.prev_hash != prev_hash
                or checkpoint.upto_sequence < checkpoint.from_sequence
            ):
                return {
                    "ok": False,
                    "broken_sequence": checkpoint.from_sequence,
                    "reason": "checkpoint does not link to the previous one",
                }
            prev_seq, prev_hash = checkpoint.upto_sequence, checkpoint.hash
        return {"ok": True, "checkpoints": len(checkpoints)}

    @api.model
    def _audit_iter_rows(self, after, upto=None, itersize=20_000):
        """Stream rows with a server-side cursor: a million rows never sit in
        memory at once."""
        query, params = (
            (_SELECT_AFTER, [after]) if upto is None else (_SELECT_RANGE, [after, upto])
        )
        # Under HttpCase the cursor is a TestCursor wrapping the real one.
        cnx = audit_event._connection(self.env.cr)
        with cnx.cursor(name="sicantik_audit_verify") as cur:
            cur.itersize = itersize
            cur.execute(query, params)
            yield from cur

    @api.model
    def _audit_verify_chain(self, anchors=True):
        """Verify the sealed chain (and the S3 anchors); return a report dict.

        Events still pending (logged, not yet sealed) are counted, not checked:
        ``pending`` and ``pending_oldest`` (seconds) say how far sealing lags.
        """
        self.env.flush_all()
        start_seq, start_hash = self._audit_verify_start()
        result = chain.verify_rows(
            self._audit_iter_rows(start_seq), start_seq, start_hash
        )
        report = dict(
            result.as_dict(), start_sequence=start_seq, **self._audit_pending()
        )
        checkpoints = self._audit_verify_checkpoints()
        if report["ok"] and not checkpoints["ok"]:
            report.update(
                ok=False,
                broken_sequence=checkpoints["broken_sequence"],
                reason=checkpoints["reason"],
            )
        if anchors:
            report["anchors"] = self._audit_verify_anchors()
            if report["ok"] and not report["anchors"]["ok"]:
                report.update(
                    ok=False,
                    broken_sequence=report["anchors"]["broken_sequence"],
                    reason=report["anchors"]["reason"],
                )
        return report

    @api.model
    def _audit_pending(self):
        """``{"pending": n, "pending_oldest": seconds}`` of unsealed events."""
        self.env.cr.execute(
            "SELECT count(*), EXTRACT(EPOCH FROM clock_timestamp() AT TIME ZONE"
            " 'UTC' - min(event_time)) FROM sicantik_audit_event"
            " WHERE sequence IS NULL"
        )
        count, oldest = self.env.cr.fetchone()
        oldest = max(float(oldest or 0), 0.0)
        return {"pending": count, "pending_oldest": round(oldest, 1)}

    @api.model
    def _audit_verify_anchors(self):
        """Compare every version of every anchor object in S3 with the chain.

        Every version: a newer version of a key (or a delete marker) must not
        hide the locked one.  Every anchor since the chain began: one whose
        sequence is live must match that event; one at a checkpoint boundary
        must match the checkpoint; one inside an archived range must match the
        event in the archive, which is verified against its checkpoint first.
        An anchor beyond the head means the tail was deleted.
        """
        store = self._audit_store()
        if store is None:
            return {"ok": True, "checked": 0, "skipped": "S3 not configured"}
        if not settings.get("audit_anchor_key"):
            return {
                "ok": False,
                "checked": 0,
                "broken_sequence": None,
                "reason": "anchor key (SICANTIK_AUDIT_ANCHOR_KEY) not configured",
            }
        key_secret = self._audit_anchor_key()
        namespace = self._audit_namespace()
        archived = {}
        checked = hidden = 0
        for key, version, is_marker in store.list_versions("anchors"):
            if is_marker:
                hidden += 1
                continue
            document = store.get_anchor(key, version)
            seq = int(document.get("sequence") or 0)
            problem = anchor_store.check_anchor(document, key_secret)
            if not problem and not document.get("hmac"):
                problem = "anchor is not signed"
            if not problem and document.get("namespace", namespace) != namespace:
                problem = "anchor belongs to another namespace"
            if not problem and seq:
                problem = self._audit_check_anchored(
                    store, seq, document.get("hash"), archived
                )
            if problem:
                return {
                    "ok": False,
                    "checked": checked,
                    "broken_sequence": seq,
                    "reason": problem,
                    "key": key,
                    "version_id": version,
                }
            checked += 1
        if not checked:
            problem = self._audit_unanchored_age()
            if problem:
                return {
                    "ok": False,
                    "checked": 0,
                    "broken_sequence": None,
                    "reason": problem,
                }
        return {"ok": True, "checked": checked, "hidden": hidden}

    @api.model
    def _audit_unanchored_age(self):
        """Why having no anchor at all is suspicious here, or None.

        The anchor cron runs daily: sealed events older than
        ``audit_anchor_grace_hours`` (48) with no anchor in the namespace mean
        the namespace was changed, the folder emptied, or anchoring stopped.
        """
        grace = settings.get_seconds("audit_anchor_grace_hours", 48 * 3600, unit="h")
        hours = grace / 3600
        cr = self.env.cr
        cr.execute(
            "SELECT 1 FROM sicantik_audit_event WHERE sequence IS NOT NULL"
            " AND event_time < (clock_timestamp() AT TIME ZONE 'UTC') - make_interval("
            "secs => %s) LIMIT 1",
            [grace],
        )
        old_event = cr.fetchone()
        if not old_event:
            cr.execute("SELECT 1 FROM sicantik_audit_checkpoint LIMIT 1")
            old_event = cr.fetchone()
        if old_event:
            return (
                f"no anchor found in S3 for events older than {hours:g} hours "
                "(namespace changed, folder emptied, or anchoring stopped)"
            )
        return None

    @api.model
    def _audit_check_anchored(self, store, seq, digest, archived):
        """Why anchored event ``seq`` does not match ``digest``, or None.

        In the table: compare.  Beyond the sealed head: the tail was deleted.
        Below the oldest row: it must be in an archive (or be a checkpoint).
        """
        cr = self.env.cr
        cr.execute("SELECT hash FROM sicantik_audit_event WHERE sequence = %s", [seq])
        row = cr.fetchone()
        if row is not None:
            if row[0] == digest:
                return None
            return "anchored hash differs from the database"
        cr.execute("SELECT min(sequence) FROM sicantik_audit_event")
        low = cr.fetchone()[0]
        if low is not None and seq >= low:
            return "anchored event missing"
        expected, problem = self._audit_archived_hash(store, seq, archived)
        if problem:
            return problem
        return None if expected == digest else "anchored hash differs from the archive"

    @api.model
    def _audit_archived_hash(self, store, seq, cache):
        """``(hash, problem)`` of archived event ``seq``, read from the archive
        of the checkpoint covering it (verified against it, once per call)."""
        checkpoint = (
            self.env["sicantik.audit.checkpoint"]
            .sudo()
            .search(
                [("from_sequence", "<=", seq), ("upto_sequence", ">=", seq)], limit=1
            )
        )
        if not checkpoint:
            return None, "anchored event missing"
        if seq == checkpoint.upto_sequence:
            return checkpoint.hash, None
        if checkpoint.id not in cache:
            cache[checkpoint.id] = self._audit_read_archive(store, checkpoint)
        hashes, problem = cache[checkpoint.id]
        if problem:
            return None, problem
        return hashes.get(seq), None if seq in hashes else "anchored event missing"

    @api.model
    def _audit_read_archive(self, store, checkpoint):
        """``({sequence: hash}, None)`` of a checkpoint's archive once it
        verifies against the checkpoint, else ``(None, reason)``."""
        try:
            data = store.get_bytes(checkpoint.object_key)
        except Exception:  # noqa: BLE001 - a missing archive is the finding
            return None, "archive missing"
        try:
            result = anchor_store.verify_archive(
                data,
                checkpoint.archive_sha256,
                checkpoint.from_sequence - 1,
                checkpoint.prev_hash,
                checkpoint.hash,
            )
            if not result.ok:
                return None, result.reason or "archive does not verify"
            if result.last_sequence != checkpoint.upto_sequence:
                return None, "archive is incomplete"
            return {row[0]: row[-1] for row in anchor_store.decode_archive(data)}, None
        except (OSError, EOFError, ValueError, TypeError, KeyError, zlib.error):
            return None, "archive unreadable"

    @api.model
    def _audit_verify_archives(self):
        """Re-read every archive in S3 and check it links checkpoint to
        checkpoint; return a report dict naming the first broken sequence."""
        store = self._audit_store()
        checkpoints = (
            self.env["sicantik.audit.checkpoint"]
            .sudo()
            .search([], order="upto_sequence")
        )
        prev_seq, prev_hash = 0, chain.GENESIS
        checked = 0
        for checkpoint in checkpoints:
            if store is None:
                raise UserError(_("S3 is not configured: archives cannot be read."))
            if (
                checkpoint.from_sequence != prev_seq + 1
                or checkpoint.prev_hash != prev_hash
            ):
                return {
                    "ok": False,
                    "checked": checked,
                    "broken_sequence": checkpoint.from_sequence,
                    "reason": "checkpoint does not link to the previous one",
                    "key": checkpoint.object_key,
                }
            try:
                data = store.get_bytes(checkpoint.object_key)
            except Exception:  # noqa: BLE001 - a missing archive is the finding
                return {
                    "ok": False,
                    "checked": checked,
                    "broken_sequence": checkpoint.from_sequence,
                    "reason": "archive missing",
                    "key": checkpoint.object_key,
                }
            try:
                result = anchor_store.verify_archive(
                    data,
                    checkpoint.archive_sha256,
                    prev_seq,
                    prev_hash,
                    checkpoint.hash,
                )
            except (OSError, EOFError, ValueError, TypeError, KeyError, zlib.error):
                return {
                    "ok": False,
                    "checked": checked,
                    "broken_sequence": checkpoint.from_sequence,
                    "reason": "archive unreadable",
                    "key": checkpoint.object_key,
                }
            checked += result.checked
            if not result.ok or result.last_sequence != checkpoint.upto_sequence:
                return {
                    "ok": False,
                    "checked": checked,
                    "broken_sequence": result.broken_sequence
                    or result.last_sequence + 1,
                    "reason": result.reason or "archive is incomplete",
                    "key": checkpoint.object_key,
                }
            prev_seq, prev_hash = checkpoint.upto_sequence, checkpoint.hash
        return {"ok": True, "checked": checked, "archives": len(checkpoints)}

    # -------------------------------------------------------------- anchor
    @api.model
    def _audit_anchor(self):
        """Write the current chain head to S3; return the anchor info."""
        store = self._audit_store()
        if store is None:
            raise UserError(_("S3 is not configured: the chain cannot be anchored."))
        cr = self.env.cr
        cr.execute(
            "SELECT sequence, hash, event_time FROM sicantik_audit_event"
            " WHERE sequence IS NOT NULL ORDER BY sequence DESC LIMIT 1"
        )
        row = cr.fetchone()
        if row is None:
            seq, digest = self._audit_chain_start()
            event_time = None
        else:
            seq, digest, event_time = row
        key_secret = self._audit_anchor_key()
        payload = {
            "type": anchor_store.ANCHOR_TYPE,
            "version": 2,
            "database": cr.dbname,
            "namespace": self._audit_namespace(),
            "sequence": seq,
            "hash": digest,
            "event_time": chain.format_time(event_time),
            "anchored_at": chain.format_time(fields.Datetime.now()),
        }
        info = store.put_anchor(
            payload,
            hmac_key=key_secret,
            retain_days=settings.get_int("audit_lock_days", 3650),
        )
        info.update(sequence=seq, hash=digest)
        self.log(
            "audit.anchor",
            summary=_("Chain head #%(seq)s anchored in S3", seq=seq),
            details={k: info[k] for k in ("key", "sequence", "hash", "locked")},
        )
        return info

    # ----------------------------------------------------------- retention
    @api.model
    def _audit_retention_days(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("sicantik_audit.retention_days")
        )
        try:
            return int(value) if value else DEFAULT_RETENTION_DAYS
        except ValueError:
            return DEFAULT_RETENTION_DAYS

    @api.model
    def _audit_archive_batch(self, days=None, batch=DEFAULT_BATCH):
        """Archive and purge one batch of events older than ``days``.

        Returns ``{"archived": n, "remaining": m, ...}``.  The newest event is
        never archived, so the live chain always has a head to continue from.
        The rows are verified before they are archived: a broken chain is
        reported, not laundered into a clean-looking archive.
        """
        days = self._audit_retention_days() if days is None else days
        store = self._audit_store()
        if store is None:
            raise UserError(_("S3 is not configured: events cannot be archived."))
        cr = self.env.cr
        cutoff = fields.Datetime.now() - timedelta(days=days)
        start_seq, start_hash = self._audit_chain_start()
        cr.execute(
            """SELECT max(sequence) FILTER (WHERE event_time < %s),
                      max(sequence)
                 FROM sicantik_audit_event WHERE sequence > %s""",
            [cutoff, start_seq],
        )
        old_max, head = cr.fetchone()
        if not old_max or not head:
            return {"archived": 0, "remaining": 0}
        limit = min(old_max, head - 1)
        upto = min(limit, start_seq + batch)
        if upto <= start_seq:
            return {"archived": 0, "remaining": 0}
        rows = list(self._audit_iter_rows(start_seq, upto))
        result = chain.verify_rows(rows, start_seq, start_hash)
        if not result.ok or result.last_sequence != upto:
            raise UserError(
                _(
                    "The audit chain is broken at #%(seq)s (%(reason)s): "
                    "nothing was archived.",
                    seq=result.broken_sequence,
                    reason=result.reason,
                )
            )
        name = f"{start_seq + 1:012d}-{upto:012d}.jsonl.gz"
        info = store.put_archive(
            name, rows, retain_days=settings.get_int("audit_lock_days", 3650)
        )
        # Read it back before deleting anything: the rows leave PostgreSQL only
        # once S3 demonstrably holds an archive that verifies.
        check = anchor_store.verify_archive(
            store.get_bytes(info["key"]),
            info["sha256"],
            start_seq,
            start_hash,
            result.last_hash,
        )
        if not check.ok:
            raise UserError(_("The archive written to S3 does not verify."))
        token = RETENTION.set(True)
        try:
            self.env["sicantik.audit.checkpoint"].sudo().create(
                {
                    "from_sequence": start_seq + 1,
                    "upto_sequence": upto,
                    "prev_hash": start_hash,
                    "hash": result.last_hash,
                    "object_key": info["key"],
                    "archive_sha256": info["sha256"],
                    "event_count": info["count"],
                    "locked": info["locked"],
                    "create_time": fields.Datetime.now(),
                }
            )
            self.env.flush_all()
        finally:
            RETENTION.reset(token)
        cr.execute(
            "SELECT set_config('sicantik_audit.purge_upto', %s, true)", [str(upto)]
        )
        cr.execute(
            "DELETE FROM sicantik_audit_event WHERE sequence > %s AND sequence <= %s",
            [start_seq, upto],
        )
        deleted = cr.rowcount
        cr.execute("SELECT set_config('sicantik_audit.purge_upto', '', true)")
        self.log(
            "audit.archive",
            summary=_(
                "Events #%(first)s to #%(last)s archived to S3",
                first=start_seq + 1,
                last=upto,
            ),
            details={
                "key": info["key"],
                "sha256": info["sha256"],
                "count": deleted,
                "locked": info["locked"],
            },
        )
        return {
            "archived": deleted,
            "remaining": max(limit - upto, 0),
            "key": info["key"],
            "upto_sequence": upto,
        }

    # ------------------------------------------------------------ uninstall
    @api.model
    def _audit_archive_all(self, reason="uninstall"):
        """Copy the whole remaining chain to S3 and anchor its head.

        Why: uninstalling the module drops the event and checkpoint tables.
        Before that, every event still in PostgreSQL (sealed first) goes to
        one archive under ``final/``, next to a manifest listing every
        retention checkpoint (their archives are already in S3), both read
        back and verified, and the head is anchored.  Raises ``UserError``
        when S3 is not configured or not reachable, or the chain does not
        verify: the caller refuses the uninstall then.
        """
        store = self._audit_store()
        if store is None:
            raise UserError(
                _(
                    "S3 is not configured: the audit trail cannot be archived, "
                    "so the audit module cannot be uninstalled."
                )
            )
        self._audit_seal()
        report = self._audit_verify_chain(anchors=False)
        if not report["ok"]:
            raise UserError(
                _(
                    "The audit chain is broken at #%(seq)s (%(reason)s): it is "
                    "not archived, and the module is not uninstalled.",
                    seq=report["broken_sequence"],
                    reason=report["reason"],
                )
            )
        start_seq, start_hash = self._audit_verify_start()
        rows = list(self._audit_iter_rows(start_seq))
        retain = settings.get_int("audit_lock_days", 3650)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        head = rows[-1][0] if rows else start_seq
        try:
            info = store.put_archive(
                f"{stamp}-{start_seq + 1:012d}-{head:012d}.jsonl.gz",
                rows,
                retain_days=retain,
                folder="final",
            )
            check = anchor_store.verify_archive(
                store.get_bytes(info["key"]),
                info["sha256"],
                start_seq,
                start_hash,
                report["last_hash"],
            )
            if not check.ok or check.last_sequence != head:
                raise UserError(_("The archive written to S3 does not verify."))
            checkpoints = (
                self.env["sicantik.audit.checkpoint"]
                .sudo()
                .search([], order="upto_sequence")
            )
            manifest = {
                "type": "sicantik-audit-final",
                "reason": reason,
                "namespace": self._audit_namespace(),
                "archive": info["key"],
                "archive_sha256": info["sha256"],
                "from_sequence": start_seq + 1,
                "upto_sequence": head,
                "prev_hash": start_hash,
                "hash": report["last_hash"],
                "checkpoints": checkpoints.read(
                    [
                        "from_sequence",
                        "upto_sequence",
                        "prev_hash",
                        "hash",
                        "object_key",
                        "archive_sha256",
                        "event_count",
                    ]
                ),
            }
            manifest_info = store.put_bytes(
                store.key("final", f"{stamp}-manifest.json"),
                json.dumps(
                    anchor_store.seal_anchor(manifest, self._audit_anchor_key()),
                    sort_keys=True,
                    indent=1,
                    default=str,
                ).encode("utf-8"),
                "application/json",
                retain,
            )
            anchor = self._audit_anchor()
        except UserError:
            raise
        except Exception as exc:
            _logger.exception("Final audit archive failed")
            raise UserError(
                _(
                    "The audit trail could not be archived to S3 (%s): the audit "
                    "module is not uninstalled.",
                    exc,
                )
            ) from exc
        return {
            "archive": info["key"],
            "manifest": manifest_info["key"],
            "count": info["count"],
            "upto_sequence": head,
            "anchor": anchor["key"],
            "locked": info["locked"],
        }

    # --------------------------------------------------------- UI and crons
    @api.model
    @guard("auditor")
    def action_verify_chain(self):
        """Button: verify now, log who did, and show the result."""
        self._audit_seal_committed()
        report = self.sudo()._audit_verify_chain()
        self.log(
            "audit.verify",
            summary=_("Chain verified: OK")
            if report["ok"]
            else _("Chain verified: BROKEN at #%s", report["broken_sequence"]),
            details=report,
        )
        if report["ok"]:
            message = _(
                "The audit chain verifies: %(count)s events checked from #%(start)s "
                "to #%(end)s; %(anchors)s anchors match.",
                count=report["checked"],
                start=report["start_sequence"] + 1,
                end=report["last_sequence"],
                anchors=report.get("anchors", {}).get("checked", 0),
            )
        else:
            message = _(
                "The audit chain is BROKEN at event #%(seq)s: %(reason)s.",
                seq=report["broken_sequence"],
                reason=report["reason"],
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Audit chain verification"),
                "message": message,
                "type": "success" if report["ok"] else "danger",
                "sticky": not report["ok"],
            },
        }

    @api.model
    def _cron_verify_chain(self):
        self._audit_seal_committed()
        report = self._audit_verify_chain()
        summary = (
            _("Chain verified: OK")
            if report["ok"]
            else _("Chain verified: BROKEN at #%s", report["broken_sequence"])
        )
        return self._audit_log_verification("audit.verify", "chain", summary, report)

    @api.model
    def _audit_log_verification(self, action, what, summary, report):
        """Record a verification run; a broken result also alerts the admins.

        Why shared: the chain and the archive checks must report (and alert)
        the same way, or one of them would silently stop alerting.
        """
        self.log(action, summary=summary, details=report)
        if not report["ok"]:
            _logger.error("Audit %s broken: %s", what, report)
            self._audit_alert_admins(report)
        return report

    @api.model
    def _audit_alert_admins(self, report):
        """E-mail the SICANTIK administrators that the chain is broken."""
        group = self.env.ref("sicantik_base.group_admin")
        partners = group.sudo().users.partner_id.filtered("email")
        if not partners:
            return
        body = _(
            "<p>The SICANTIK audit chain is broken at event #%(seq)s: "
            "%(reason)s.</p><p>Do not repair anything before an auditor has "
            "secured the evidence.</p>",
            seq=report["broken_sequence"],
            reason=report["reason"],
        )
        self.env["mail.mail"].sudo().create(
            {
                "subject": _("SICANTIK audit chain broken"),
                "body_html": body,
                "recipient_ids": [(6, 0, partners.ids)],
                "auto_delete": False,
            }
        )

    @api.model
    def _cron_verify_archives(self):
        """Weekly: re-read every archive in S3; a broken one alerts the
        administrators like a broken chain does."""
        report = self._audit_verify_archives()
        summary = (
            _("Archives verified: OK")
            if report["ok"]
            else _("Archives verified: BROKEN at #%s", report["broken_sequence"])
        )
        return self._audit_log_verification(
            "audit.verify_archive", "archive", summary, report
        )

    @api.model
    def _cron_anchor(self):
        self._audit_seal_committed()
        return self._audit_anchor()

    @api.model
    def _cron_retention(self):
        """One bounded batch per call; the scheduler calls again while work
        remains (Odoo 18 progress API)."""
        result = self._audit_archive_batch()
        self.env["ir.cron"]._notify_progress(
            done=result["archived"], remaining=result["remaining"]
        )
        return result

    @guard("auditor")
    def action_export_csv(self):
        """Download the selected events as CSV, hashes included, so an auditor
        can re-verify them outside Odoo; the export itself is logged."""
        import csv
        import io

        self.check_access("read")
        events = self.sorted("sequence")
        # Raw column values, not ORM values: the ORM drops the microseconds
        # that were hashed, and an export must be re-verifiable as is.
        self.env.cr.execute(_SELECT_EXPORT, [tuple(events.ids) or (0,)])
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(chain.ROW_FIELDS)
        writer.writerows(self.env.cr.fetchall())
        attachment = self.env["ir.attachment"].create(
            {
                "name": "sicantik-audit-events.csv",
                "raw": buffer.getvalue().encode("utf-8"),
                "mimetype": "text/csv",
            }
        )
        self.log(
            "audit.export",
            summary=_("%s audit events exported as CSV", len(events)),
            details={
                "count": len(events),
                "first": events[:1].sequence,
                "last": events[-1:].sequence,
            },
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }
