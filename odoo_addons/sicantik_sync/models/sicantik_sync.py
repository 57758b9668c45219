"""The sync engine: SICANTIK MySQL → Odoo, batch by batch.

How a cycle works
=================

A *cycle* is a sequence of *steps*, run in dependency order (statuses,
permit types, units, officials, applicants, companies, permits, status
history, changes).  Each cron call runs exactly **one bounded batch** of the first step
that has work, reports ``_notify_progress`` and returns; Odoo commits and
calls again at once while work remains.  A call that finds no work closes the
run.  Because the batch, its quarantine rows and its watermark are written in
one transaction, a process killed at any moment resumes from the last
committed batch, and the upsert on the unique SICANTIK id makes a replayed
batch harmless.

Streams and watermarks (``docs/reference/sicantik.md#change-detection``)
-------------------------------------------------------------------------

* ``<entity>``: id high-water mark of the entity's main table (new rows).
* ``history``: id high-water mark of ``tmtrackingperizinan`` (new steps).
* ``changes``: what tells us an *existing* permit changed: tracking rows
  with a new id or a ``d_entry`` at or after the last seen one minus a safety
  margin (rows committed late with an older timestamp), new ``tmsk`` ids (SK
  issued) and new ``rat`` ids (activity log).  Tracking rows whose stamp
  (status, start, end) we already hold are skipped, so the margin costs one
  indexed read, not a re-import.  These watermarks are taken *before* the
  first import, so nothing that changes during a long initial sync is lost.
* Edits that leave no timestamp (applicant or company details, revocations
  without a tracking row) are caught by the nightly full re-check, which
  re-hashes every row and marks rows that vanished from SICANTIK.

One writer
----------

Every call takes ``pg_try_advisory_xact_lock``: a second worker (another
Odoo process, another container) finds the lock taken and returns without
reading anything.  The lock is released by the commit or rollback of the
batch transaction.
"""

import hashlib
import io
import json
import logging
import time
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import config

from odoo.addons.sicantik_base.guards import guard
from odoo.addons.sicantik_base.lib import settings

from ..lib import entities as ents
from ..lib import normalize as nz
from ..lib import readahead
from ..lib.source import Source, SourceError

_logger = logging.getLogger(__name__)

#: pg advisory lock key shared by every sync/recheck call ("SICANTIK" in hex-ish).
LOCK_KEY = 0x51CA471C
STEPS = [e.name for e in ents.ENTITIES] + ["history", "changes"]
#: What a run can do: the incremental sync or the full re-check.
KINDS = ("sync", "recheck")


class SicantikSync(models.AbstractModel):
    _name = "sicantik.sync"
    _description = "SICANTIK Synchronisation Engine"

    # ------------------------------------------------------------------
    # configuration (deployment settings, never stored in the database)
    # ------------------------------------------------------------------
    @api.model
    def _source_url(self):
        """The deployment's SICANTIK URL: the only one the sync ever opens.

        No caller can pass another one (a URL from an RPC call made the
        server connect anywhere, with any driver option).
        """
        return settings.get("mysql_url")

    @api.model
    def _open_source(self):
        """The configured SICANTIK, read by a SELECT-only account or not at all.

        Every reader (sync, re-check, reconciliation, holidays) opens it here:
        one place for the URL and for refusing an account that may write,
        read files (FILE), create tables or hold a role.
        """
        url = self._source_url()
        if not url:
            raise SourceError(_("No SICANTIK MySQL URL configured"))
        try:
            tls_ca, _state = settings.mysql_tls()
        except ValueError as exc:
            raise SourceError(str(exc)) from None
        return Source(url, check_account=True, tls_ca=tls_ca)

    @api.model
    def _tz(self):
        return settings.timezone(self.env)

    @api.model
    def _batch_size(self):
        return max(settings.get_int("sync_batch_size", 5000), 1)

    @api.model
    def _margin(self):
        return timedelta(minutes=settings.get_int("sync_margin_minutes", 10))

    # ------------------------------------------------------------------
    # public entry points
    # ------------------------------------------------------------------
    @api.model
    def _cron_sync(self):
        """Cron: one batch of the incremental sync."""
        return self._cron_call("sync")

    @api.model
    def _cron_recheck(self):
        """Cron: one batch of the full re-check (hashes + tombstones)."""
        return self._cron_call("recheck")

    @api.model
    def _cron_call(self, kind):
        # as the system, whichever user the cron was set to run as
        result = self.sudo().run_batch(kind=kind)
        done = result.get("done", 0)
        remaining = result.get("remaining", 0)
        if remaining and not done:
            # 18.0 stops a cron reporting no progress with work left.
            done = 1
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return result

    @api.model
    @guard("admin")
    def run_cycle(self, kind="sync", *, commit=None, max_batches=100000):
        """Run batches until the cycle is finished (CLI, buttons, benchmark).

        With ``commit`` each batch is committed like a cron call would; it
        defaults to on, except when Odoo runs its tests (which stay inside
        their transaction).  Public for administrators (and the superuser:
        CLI, crons); it reads the configured source only, and its options are
        keyword-only so that no positional argument can stand for a URL.
        """
        if commit is None:
            commit = not config["test_enable"]
        result = {}
        for _i in range(max_batches):
            result = self.run_batch(kind=kind)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            if result["status"] != "progress":
                break
        return result

    @api.model
    @guard("admin")
    def run_batch(self, kind="sync"):
        """Run one bounded batch under the advisory lock.

        Returns a dict with ``status`` (``progress``, ``done``, ``failed``,
        ``locked``), ``done``/``remaining`` for the cron progress, and the run.
        """
        if kind not in KINDS:
            raise ValueError(f"Unknown SICANTIK run kind {kind!r}")
        self.env.flush_all()
        cr = self.env.cr
        # A batch commits with its watermark: a crash that loses an unflushed
        # commit loses the whole batch, which the next call reads again (the
        # upsert makes the replay harmless).  So the batch need not wait for
        # the WAL flush.
        cr.execute(
            "SET LOCAL synchronous_commit = off; "
            "SELECT pg_try_advisory_xact_lock(%s)",
            [LOCK_KEY],
        )
        if not cr.fetchone()[0]:
            _logger.info("SICANTIK sync: another worker holds the lock, skipping")
            return {"status": "locked", "done": 0, "remaining": 0}
        Run = self.env["sicantik.sync.run"].sudo()
        run = Run.search([("state", "=", "running"), ("kind", "=", kind)], limit=1)
        url = self._source_url()
        started = time.monotonic()
        stats = {}
        try:
            with cr.savepoint(), self._open_source() as src:
                if not run:
                    run = self._start_run(kind, src)
                if kind == "sync":
                    step = self._sync_batch(src, stats)
                else:
                    step = self._recheck_batch(src, stats)
        except Exception as exc:  # noqa: BLE001 - any failure ends the run cleanly
            self.env.invalidate_all()
            return self._fail_run(run, kind, exc, url)
        self.env.invalidate_all()
        self._add_stats(run, stats, time.monotonic() - started)
        if step is None:
            self._finish_run(run)
            return {"status": "done", "done": 0, "remaining": 0, "run": run}
        return {
            "status": "progress",
            "done": max(stats.get("rows", 0), 1),
            "remaining": max(stats.get("remaining", 1), 1),
            "run": run,
            "step": step,
        }

    # ------------------------------------------------------------------
    # runs
    # ------------------------------------------------------------------
    def _start_run(self, kind, src):
        State = self.env["sicantik.sync.state"].sudo()
        if kind == "sync":
            changes = State._get_state("changes")
            if not changes.last_time and not changes.last_id:
                # Snapshot before the first import: later changes are re-read.
                row = src.all(
                    "SELECT MAX(id) AS i, MAX(d_entry) AS t FROM tmtrackingperizinan"
                )[0]
                changes.write(
                    {
                        "last_id": row["i"] or 0,
                        "last_time": str(row["t"] or "1970-01-01 00:00:00"),
                        "last_sk_id": src.scalar("SELECT MAX(id) AS i FROM tmsk") or 0,
                        "last_rat_id": src.scalar("SELECT MAX(id) AS i FROM rat") or 0,
                    }
                )
        return (
            self.env["sicantik.sync.run"]
            .sudo()
            .with_context(mail_create_nolog=True, tracking_disable=True)
            .create(
                {
                    "kind": kind,
                    "started_at": fields.Datetime.now(),
                    "watermarks_before": State._snapshot(),
                }
            )
        )

    def _add_stats(self, run, stats, seconds):
        details = json.loads(run.details or "{}")
        for entity, counts in stats.get("entities", {}).items():
            bucket = details.setdefault(entity, {})
            for key, value in counts.items():
                bucket[key] = bucket.get(key, 0) + value
        totals = {
            key: sum(c.get(key, 0) for c in stats.get("entities", {}).values())
            for key in ("created", "updated", "unchanged", "quarantined", "missing")
        }
        run.write(
            {
                "batch_count": run.batch_count + (1 if stats.get("rows") else 0),
                "source_rows": run.source_rows + stats.get("rows", 0),
                "created_count": run.created_count + totals["created"],
                "updated_count": run.updated_count + totals["updated"],
                "unchanged_count": run.unchanged_count + totals["unchanged"],
                "quarantined_count": run.quarantined_count + totals["quarantined"],
                "missing_count": run.missing_count + totals["missing"],
                "duration": (run.duration or 0.0) + seconds,
                "details": json.dumps(details, sort_keys=True),
            }
        )
        if totals["quarantined"]:
            self._audit(
                "sync.quarantine",
                _("%s SICANTIK rows quarantined", totals["quarantined"]),
                run,
                {
                    e: c["quarantined"]
                    for e, c in stats["entities"].items()
                    if c.get("quarantined")
                },
            )

    def _finish_run(self, run):
        run.write(
            {
                "state": "done",
                "finished_at": fields.Datetime.now(),
                "rows_per_second": run.duration and run.source_rows / run.duration,
                "watermarks_after": self.env["sicantik.sync.state"].sudo()._snapshot(),
            }
        )
        param = self.env["ir.config_parameter"].sudo()
        if run.kind == "sync" and param.get_param("sicantik_sync.lag_alerted"):
            param.set_param("sicantik_sync.lag_alerted", "")
        self._audit("sync.run", _("SICANTIK sync run finished"), run, run._summary())
        counts = self._rows_written(run)
        if counts:
            self._sicantik_after_rows_written(counts)

    @api.model
    def _rows_written(self, run):
        """``{entity: rows created, updated or marked missing}`` of a run,
        only the entities that wrote rows."""
        details = json.loads(run.details or "{}")
        counts = {
            entity: sum(values.get(k, 0) for k in ("created", "updated", "missing"))
            for entity, values in details.items()
        }
        return {entity: n for entity, n in counts.items() if n}

    @api.model
    def _sicantik_after_rows_written(self, counts):
        """Extension point: a sync run (or re-check) finished and wrote rows.

        ``counts`` maps each entity (``permit``, ``history``, ...) to the rows
        created, updated or marked missing by the whole run.  Called once per
        run, when its last batch finds no more work, inside that batch's
        transaction: what a follower does here commits with the end of the run
        or not at all.  Followers override it, call ``super()`` and only
        *trigger* their cron (``cron._trigger()``): the sync holds its advisory
        lock until the commit, so heavy work here would delay the next sync.
        Used by sicantik_officer (SLA recompute) and sicantik_bsre (revocations
        on the public page, automatic signature requests).
        """
        return None

    def _fail_run(self, run, kind, exc, url):
        readahead.clear()
        message = str(exc)
        if url:
            message = message.replace(url, settings.redact_url(url))
        if not isinstance(exc, SourceError):
            _logger.exception("SICANTIK sync batch failed")
            message = f"{type(exc).__name__}: {message}"
        else:
            _logger.warning("SICANTIK sync batch failed: %s", message)
        Run = (
            self.env["sicantik.sync.run"]
            .sudo()
            .with_context(mail_create_nolog=True, tracking_disable=True)
        )
        State = self.env["sicantik.sync.state"].sudo()
        values = {
            "state": "failed",
            "error": message[:2000],
            "finished_at": fields.Datetime.now(),
            "watermarks_after": State._snapshot(),
        }
        if run and run.exists():
            run.write(values)
        else:
            run = Run.create(
                dict(
                    values,
                    kind=kind,
                    started_at=fields.Datetime.now(),
                    watermarks_before=values["watermarks_after"],
                )
            )
        self._audit("sync.run", _("SICANTIK sync run failed"), run, run._summary())
        return {"status": "failed", "done": 0, "remaining": 0, "run": run}

    def _audit(self, action, summary, record, details):
        self.env["sicantik.audit.event"].sudo().log(
            action, summary=summary, record=record, details=details
        )

    # ------------------------------------------------------------------
    # incremental sync
    # ------------------------------------------------------------------
    def _sync_batch(self, src, stats):
        """Run the first step with work; return its name, or None if idle."""
        limit = self._batch_size()
        streams = ents.ENTITIES + [ents.HISTORY]
        states = (
            self.env["sicantik.sync.state"]
            .sudo()
            ._get_states([e.name for e in streams] + ["changes"])
        )
        maxima = ents.max_ids(src, streams)
        for entity in streams:
            state = states[entity.name]
            if maxima[entity.name] <= (state.last_id or 0):
                continue
            upper, count, prepared = self._read(src, entity, state.last_id, limit)
            if not count:
                continue
            self._import(src, entity, None, stats, prepared=prepared)
            state.last_id = upper
            stats["remaining"] = max(maxima[entity.name] - upper, 0)
            return entity.name
        if self._sync_changes(src, stats, limit, states["changes"]):
            return "changes"
        return None

    def _sync_changes(self, src, stats, limit, state):
        since = fields.Datetime.to_datetime(state.last_time) or fields.Datetime.now()
        window_start = str(since - self._margin())
        new_rows = src.all(
            "SELECT id, pendaftaran_id, status, d_entry_awal, d_entry "
            "FROM tmtrackingperizinan WHERE id > %s ORDER BY id LIMIT %s",
            (state.last_id, limit),
        )
        window = []
        digest = state.window_digest
        if len(new_rows) < limit:
            digest = self._window_digest(src, window_start, state.last_id)
            if digest != state.window_digest:
                window = src.all(
                    "SELECT id, pendaftaran_id, status, d_entry_awal, d_entry "
                    "FROM tmtrackingperizinan WHERE d_entry >= %s AND id <= %s",
                    (window_start, state.last_id),
                )
        # New steps always count (the history step may already hold their
        # stamp); old steps count only when SICANTIK closed or edited them.
        held = self._held_tracking(window + new_rows)
        changed = new_rows + [
            r for r in window if held.get(r["id"], ("",))[0] != ents.History.stamp(r)
        ]
        sk_ids = [
            r["id"]
            for r in src.all(
                "SELECT id FROM tmsk WHERE id > %s ORDER BY id LIMIT %s",
                (state.last_sk_id, limit),
            )
        ]
        rat_rows = src.all(
            "SELECT id, tmpermohonan FROM rat WHERE id > %s ORDER BY id LIMIT %s",
            (state.last_rat_id, limit),
        )
        if not (changed or sk_ids or rat_rows):
            if new_rows:
                state.last_id = new_rows[-1]["id"]
            if digest != state.window_digest:
                state.window_digest = digest
            return False
        # permits touched: by tracking rows, new SKs and the activity log
        permit_ids = set()
        # Steps we already hold keep their links (SICANTIK only inserts these
        # join rows); re-reading them would scan two of the largest join
        # tables.  Links of steps we do not hold yet are read from SICANTIK.
        history_rows = [
            dict(r, permit_sid=held[r["id"]][1], status_sid=held[r["id"]][2])
            for r in changed
            if r["id"] in held
        ]
        history_rows += ents.HISTORY.fetch(
            src, [r["id"] for r in changed if r["id"] not in held]
        )
        permit_ids.update(r["permit_sid"] for r in history_rows if r["permit_sid"])
        if sk_ids:
            permit_ids.update(
                r["tmpermohonan_id"]
                for r in src.all(
                    "SELECT tmpermohonan_id FROM tmpermohonan_tmsk "
                    f"WHERE tmsk_id IN ({ents.id_list(sk_ids)})"
                )
                if r["tmpermohonan_id"]
            )
        permit_ids.update(r["tmpermohonan"] for r in rat_rows if r["tmpermohonan"])
        if permit_ids:
            self._import(src, ents.BY_NAME["permit"], sorted(permit_ids), stats)
        if history_rows:
            self._import(src, ents.HISTORY, None, stats, raw_rows=history_rows)
        times = [str(r["d_entry"]) for r in window + new_rows if r["d_entry"]]
        values = {"window_digest": digest}
        if new_rows:
            values["last_id"] = new_rows[-1]["id"]
        if times and max(times) > (state.last_time or ""):
            values["last_time"] = max(times)
        if sk_ids:
            values["last_sk_id"] = sk_ids[-1]
        if rat_rows:
            values["last_rat_id"] = rat_rows[-1]["id"]
        state.write(values)
        stats["remaining"] = 1 if len(new_rows) == limit else 0
        return True

    def _read(self, src, entity, after, limit, kind="sync"):
        """``(upper, count, prepared batch)`` after ``after``; prepares the next.

        A full batch means more work: the following batch is read, checked
        and serialised in the background (``lib/readahead``) while this one
        is written — PostgreSQL's share of a batch then overlaps MariaDB's and
        Python's.  The next call takes it if its watermark is still ``upper``.
        """
        size = limit * entity.batch_factor
        tz = self._tz()
        columns = self._write_plan(entity)["stage_cols"]
        key = (self.env.cr.dbname, self._source_url(), kind, entity.name)

        def read(src, after):
            upper, count = entity.next_range(src, after, size)
            raw = entity.fetch_range(src, after, upper) if count else []
            return upper, count, entity.prepare(raw, tz, columns)

        batch = readahead.take(key + (after,))
        if not batch:
            batch = read(src, after)
        upper, count, _prepared = batch
        if count == size:
            url = self._source_url()

            def read_ahead(after=upper):
                with Source(url, check_account=True) as ahead_src:
                    return read(ahead_src, after)

            readahead.submit(key + (upper,), read_ahead)
        return batch

    @api.model
    def _window_digest(self, src, window_start, last_id):
        """Count and checksum of the re-read window, computed by MariaDB.

        Why: the window (tracking rows stamped within the safety margin of
        the newest one seen) is re-read every cycle to catch rows committed
        late or edited; when nothing happens it is the same rows every time.
        One aggregate row tells whether any of them was added, removed or
        changed; only then are they read and compared.  A change that kept
        both the count and the CRC32 sum would go unseen until the nightly
        re-check re-hashes every row.
        """
        row = src.all(
            "SELECT COUNT(*) AS n, COALESCE(SUM(CRC32(CONCAT_WS('|', id, "
            "status, d_entry_awal, d_entry))), 0) AS s FROM tmtrackingperizinan "
            "WHERE d_entry >= %s AND id <= %s",
            (window_start, last_id),
        )[0]
        return f"{window_start}|{last_id}|{row['n']}|{row['s']}"

    def _held_tracking(self, rows):
        """``{id: (stamp, permit_sid, status_sid)}`` of the steps Odoo holds."""
        if not rows:
            return {}
        self.env.cr.execute(
            "SELECT sicantik_id, source_stamp, permit_sid, status_sid "
            "FROM sicantik_permit_history WHERE sicantik_id = ANY(%s)",
            [[r["id"] for r in rows]],
        )
        return {sid: tuple(rest) for sid, *rest in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # full re-check
    # ------------------------------------------------------------------
    def _recheck_batch(self, src, stats):
        """Re-hash one batch of one entity and mark vanished rows missing."""
        limit = self._batch_size()
        State = self.env["sicantik.sync.state"].sudo()
        states = State._get_states(["recheck:" + e.name for e in ents.ALL])
        for entity in ents.ALL:
            state = states["recheck:" + entity.name]
            if state.last_id < 0:
                continue  # this entity is done in the current pass
            size = limit * entity.batch_factor
            upper_id, count, prepared = self._read(
                src, entity, state.last_id, limit, "recheck"
            )
            upper = upper_id if count == size else None
            if count:
                self._import(src, entity, None, stats, prepared=prepared)
            missing = self._mark_missing(
                entity, state.last_id, upper, prepared.source_ids
            )
            counts = stats.setdefault("entities", {}).setdefault(entity.name, {})
            counts["missing"] = counts.get("missing", 0) + missing
            state.last_id = upper if upper is not None else -1
            stats["rows"] = stats.get("rows", 0) + count + (0 if count else 1)
            return entity.name
        # pass complete: reset the cursors for the next run
        State.search([("name", "=like", "recheck:%")]).write({"last_id": 0})
        return None

    def _mark_missing(self, entity, lower, upper, ids):
        """Mark Odoo records in (lower, upper] whose id SICANTIK no longer has."""
        table = self.env[entity.model]._table
        # table comes from the registry, ids are ints
        query = (
            f"UPDATE {table} SET sicantik_missing = true, "  # noqa: S608
            "write_date = NOW() AT TIME ZONE 'UTC' "
            "WHERE sicantik_id > %s AND (%s IS NULL OR sicantik_id <= %s) "
            "AND NOT (sicantik_id = ANY(%s)) AND sicantik_missing IS NOT TRUE"
        )
        self.env.cr.execute(query, [lower, upper, upper, list(ids)])  # pylint: disable=sql-injection
        return self.env.cr.rowcount

    # ------------------------------------------------------------------
    # the set-based write path
    # ------------------------------------------------------------------
    def _import(self, src, entity, ids, stats, raw_rows=None, prepared=None):
        """Read, validate and upsert one batch; quarantine the rejects."""
        if prepared is None:
            if raw_rows is None:
                raw_rows = entity.fetch(src, ids)
            columns = self._write_plan(entity)["stage_cols"]
            prepared = entity.prepare(raw_rows, self._tz(), columns)
        created, updated = self._upsert(entity, prepared)
        clean = len(prepared.clean_ids)
        self._quarantine(entity, prepared.rejected, prepared.clean_ids)
        counts = stats.setdefault("entities", {}).setdefault(entity.name, {})
        for key, value in (
            ("created", created),
            ("updated", updated),
            ("unchanged", clean - created - updated),
            ("quarantined", len(prepared.rejected)),
        ):
            counts[key] = counts.get(key, 0) + value
        stats["rows"] = stats.get("rows", 0) + prepared.source_rows

    @api.model
    def _write_plan(self, entity):
        """Staging table and merge statement of ``entity`` (built once per registry).

        The batch is COPYed into a session-local staging table
        (``ON COMMIT DELETE ROWS``: it never outlives the batch's transaction)
        whose name carries a digest of its columns, so a module update that
        changes them gets a new table even on a long-lived connection.  The
        merge is one ``INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE
        changed``: many2one columns are resolved in the same statement by
        joining the target tables on their SICANTIK ids, so no per-row lookup
        is needed, and rows whose hash and links did not change are not
        rewritten (no dead tuples, no write_date churn).
        ``create_uid``/``write_uid`` stay empty on purpose: the writer is the
        sync (shown as the system), and each filled user column costs a
        foreign-key trigger per row, about a fifth of the insert time.
        """
        cache = self.env.registry.__dict__.setdefault("_sicantik_write_plans", {})
        plan = cache.get(entity.name)
        if plan is not None:
            return plan
        Model = self.env[entity.model]
        table = Model._table
        rels = [
            (fk, self.env[ents.BY_NAME[target].model]._table, sid)
            for fk, (target, sid) in entity.rels.items()
        ]
        stored = ["sicantik_id", "row_hash"] + list(entity.keys)
        stored += [sid for _fk, _t, sid in rels if sid in Model._fields]
        stage_cols = stored + [sid for _fk, _t, sid in rels if sid not in Model._fields]
        types = ["int4", "varchar"] + [
            Model._fields[c].column_type[1] if c in Model._fields else "int4"
            for c in stage_cols[2:]
        ]
        spec = ", ".join(f"{c} {t}" for c, t in zip(stage_cols, types, strict=True))
        digest = hashlib.sha1(spec.encode()).hexdigest()[:10]
        stage = f"sicantik_stage_{entity.name}_{digest}"
        derived = {}
        if entity.name == "permit":
            derived["kecamatan"] = (
                "COALESCE(j_company_id.kecamatan, j_applicant_id.kecamatan)"
            )
        now = "(NOW() AT TIME ZONE 'UTC')"
        insert_cols = stored + [fk for fk, _t, _s in rels] + list(derived)
        select = [f"v.{c}" for c in stored] + [f"j_{fk}.id" for fk, _t, _s in rels]
        select += list(derived.values())
        # One index probe per row and link (LIMIT 1 keeps the planner from
        # turning it into a hash join, which would scan the whole target
        # table for every batch: linear per batch, quadratic per sync).
        joins = " ".join(
            f"LEFT JOIN LATERAL (SELECT * FROM {t} WHERE sicantik_id = v.{sid} "
            f"LIMIT 1) j_{fk} ON true"
            for fk, t, sid in rels
        )
        changed = [f"{table}.row_hash IS DISTINCT FROM EXCLUDED.row_hash"]
        changed += [f"{table}.sicantik_missing IS TRUE"]
        changed += [
            f"{table}.{c} IS DISTINCT FROM EXCLUDED.{c}"
            for c in [fk for fk, _t, _s in rels] + list(derived)
        ]
        update = [f"{c} = EXCLUDED.{c}" for c in insert_cols[1:]]
        update += [
            "sicantik_missing = false",
            "last_synced_at = EXCLUDED.last_synced_at",
            "write_date = EXCLUDED.write_date",
        ]
        plan = {
            "stage": stage,
            "stage_cols": stage_cols,
            # one round trip: the staging table exists (per session) and is empty
            "prepare": f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({spec}) "
            f"ON COMMIT DELETE ROWS; DELETE FROM {stage}",
            "copy": f"COPY {stage} ({', '.join(stage_cols)}) FROM STDIN "
            "WITH (FORMAT csv)",
            "merge": (
                f"INSERT INTO {table} ({', '.join(insert_cols)}, sicantik_missing, "
                "last_synced_at, create_date, write_date) "
                f"SELECT {', '.join(select)}, false, {now}, {now}, {now} "
                f"FROM {stage} AS v {joins} "
                f"ON CONFLICT (sicantik_id) DO UPDATE SET {', '.join(update)} "
                f"WHERE {' OR '.join(changed)} RETURNING (xmax = 0)"
            ),
        }
        cache[entity.name] = plan
        return plan

    def _upsert(self, entity, prepared):
        """COPY the batch into its staging table, then merge it set-based.

        Three statements whatever the batch size (see :meth:`_write_plan`).
        Returns ``(created, updated)``.
        """
        if not prepared.clean_ids:
            return 0, 0
        plan = self._write_plan(entity)
        cr = self.env.cr
        # identifiers come from the registry, values travel as COPY data
        cr.execute(plan["prepare"])  # pylint: disable=sql-injection
        cr.copy_expert(plan["copy"], io.StringIO(prepared.copy_text))
        cr.execute(plan["merge"])  # pylint: disable=sql-injection
        result = cr.fetchall()
        created = sum(1 for (inserted,) in result if inserted)
        self.env[entity.model].invalidate_model()
        return created, len(result) - created

    def _quarantine(self, entity, rejected, clean_ids):
        """Upsert rejected rows into the quarantine; resolve rows now clean.

        The clean rows are those :meth:`_upsert` just staged: the resolve
        joins the staging table instead of shipping an id list per batch.
        """
        cr = self.env.cr
        if clean_ids:
            stage = self._write_plan(entity)["stage"]
            # the table name comes from the write plan, not from data
            cr.execute(
                "UPDATE sicantik_sync_quarantine q SET resolved = true, "  # noqa: S608
                "resolved_at = NOW() AT TIME ZONE 'UTC' WHERE q.entity = %s "
                "AND q.resolved IS NOT TRUE AND EXISTS (SELECT 1 FROM "
                f"{stage} s WHERE s.sicantik_id = q.source_id)",
                [entity.name],
            )  # pylint: disable=sql-injection
        if not rejected:
            return
        uid = int(self.env.uid)
        template = "(%s, %s, %s, %s, %s)"
        seen = {}
        for raw, reason in rejected:
            seen[raw["id"]] = (
                entity.name,
                entity.table,
                raw["id"],
                reason[:500],
                nz.to_json(raw, masked=entity.masked),
            )
        values = b",".join(cr.mogrify(template, v) for v in seen.values()).decode()
        now = "(NOW() AT TIME ZONE 'UTC')"
        query = (
            "INSERT INTO sicantik_sync_quarantine (entity, source_table, source_id, "
            "reason, raw_json, first_seen, last_seen, seen_count, resolved, "
            "create_uid, create_date, write_uid, write_date) "
            f"SELECT v.e, v.t, v.i, v.r, v.j, {now}, {now}, 1, false, {uid}, {now}, "
            f"{uid}, {now} FROM (VALUES {values}) AS v(e, t, i, r, j) "
            "ON CONFLICT (entity, source_id) DO UPDATE SET "
            "reason = EXCLUDED.reason, raw_json = EXCLUDED.raw_json, "
            "last_seen = EXCLUDED.last_seen, resolved = false, resolved_at = NULL, "
            "seen_count = sicantik_sync_quarantine.seen_count + 1, "
            "write_date = EXCLUDED.write_date"
        )
        cr.execute(query)  # pylint: disable=sql-injection
        self.env["sicantik.sync.quarantine"].invalidate_model()

    # ------------------------------------------------------------------
    # health and lag alert
    # ------------------------------------------------------------------
    @api.model
    @guard("admin", "auditor")
    def health(self):
        """Lag data for dashboards, the alert cron and the CLI."""
        Run = self.env["sicantik.sync.run"].sudo()
        last_ok = Run.search(
            [("kind", "=", "sync"), ("state", "=", "done")],
            order="finished_at desc",
            limit=1,
        )
        last = Run.search([("kind", "=", "sync")], order="id desc", limit=1)
        lag = None
        if last_ok.finished_at:
            lag = int(
                (fields.Datetime.now() - last_ok.finished_at).total_seconds() // 60
            )
        return {
            "last_success_at": str(last_ok.finished_at or "") or None,
            "lag_minutes": lag,
            "last_state": last.state or None,
            "last_error": last.error or None,
        }

    @api.model
    def _lag_limit(self):
        param = self.env["ir.config_parameter"].sudo()
        return int(param.get_param("sicantik_sync.lag_alert_minutes", "15") or 15)

    @api.model
    def _cron_lag_alert(self):
        """Alert SICANTIK administrators once per outage (mail activity)."""
        health = self.sudo().health()
        limit = self._lag_limit()
        lag = health["lag_minutes"]
        if lag is None:
            # never succeeded: count from the first attempt (none yet: no alert)
            first = (
                self.env["sicantik.sync.run"]
                .sudo()
                .search([("kind", "=", "sync")], order="id", limit=1)
            )
            if not first.started_at:
                return False
            lag = int((fields.Datetime.now() - first.started_at).total_seconds() // 60)
        if lag < limit:
            return False
        param = self.env["ir.config_parameter"].sudo()
        if param.get_param("sicantik_sync.lag_alerted"):
            return False  # already alerted for this outage
        Run = self.env["sicantik.sync.run"].sudo()
        run = Run.search([("kind", "=", "sync")], order="id desc", limit=1)
        if not run:
            run = Run.create(
                {
                    "kind": "sync",
                    "state": "failed",
                    "started_at": fields.Datetime.now(),
                    "finished_at": fields.Datetime.now(),
                    "error": _("No successful synchronisation yet"),
                }
            )
        admins = self.env.ref("sicantik_base.group_admin").users.filtered(
            lambda u: u.active
            and not u.share
            and u.id != self.env.ref("base.user_root").id
        )
        note = _(
            "No successful SICANTIK synchronisation for %(lag)s minutes "
            "(limit %(limit)s). Last error: %(error)s",
            lag=lag,
            limit=limit,
            error=health["last_error"] or "-",
        )
        for user in admins:
            run.activity_schedule(
                "mail.mail_activity_data_warning",
                summary=_("SICANTIK synchronisation is lagging"),
                note=note,
                user_id=user.id,
            )
        param.set_param(
            "sicantik_sync.lag_alerted",
            fields.Datetime.to_string(fields.Datetime.now()),
        )
        self._audit("sync.lag_alert", note, run, health)
        return True

    @api.model
    @guard("admin")
    def action_run_now(self):
        """Button: run one full cycle now (commits per batch like the cron)."""
        result = self.run_cycle()
        run = result.get("run")
        if not run:
            return True
        return {
            "type": "ir.actions.act_window",
            "res_model": "sicantik.sync.run",
            "res_id": run.id,
            "view_mode": "form",
        }
