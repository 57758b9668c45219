import datetime
import io
import os
from unittest.mock import patch
from zoneinfo import ZoneInfo

from odoo.tests import TransactionCase, tagged

from odoo.addons.sicantik_base.lib import settings

from ..lib import entities as ents
from ..lib import pgcopy
from ..lib import source as source_lib
from ..lib.source import Source
from .common import SicantikSourceCase, sandbox

#: defects the design quarantines; every other defect is repaired or tolerated
QUARANTINED_DEFECTS = ("empty_required", "invalid_nik", "reversed_interval")


@tagged("post_install", "-at_install")
class TestSync(SicantikSourceCase):
    def test_initial_sync_complete_and_idempotent(self):
        run = self.cycle()
        self.assertEqual(run.state, "done")
        quarantined = self.open_quarantine()
        for entity in ents.ALL:
            table = entity.table
            (count,) = self.src(f"SELECT COUNT(*) FROM {table}")[0]
            held = self.env[entity.model].search_count([])
            rejected = len([q for q in quarantined if q[0] == table])
            self.assertEqual(held, count - rejected, entity.name)
        # issued permits: the reference query's rows
        # (docs/reference/sicantik.md#issued-permits)
        expected = {
            r[0]
            for r in self.src(
                "SELECT tmpermohonan_id FROM zz_sim_permit WHERE in_reference_query = 1"
            )
        } - {sid for table, sid in quarantined if table == "tmpermohonan"}
        issued = self.env["sicantik.permit"].search([("is_issued", "=", True)])
        self.assertEqual(set(issued.mapped("sicantik_id")), expected)
        self.assertEqual(
            run.created_count + run.quarantined_count, run.source_rows, run._summary()
        )
        # throughput stored when the run finishes (18.0.1.1.0)
        self.assertGreater(run.rows_per_second, 0)
        self.assertAlmostEqual(
            run.rows_per_second, run.source_rows / run.duration, delta=0.06
        )
        # a second cycle reads nothing new and changes nothing
        before = self.hashes("sicantik.permit")
        run2 = self.cycle()
        self.assertEqual((run2.created_count, run2.updated_count), (0, 0))
        # a full re-check re-reads everything and finds it unchanged
        recheck = self.cycle("recheck")
        self.assertEqual(recheck.created_count, 0)
        self.assertEqual(recheck.updated_count, 0)
        self.assertEqual(recheck.missing_count, 0)
        self.assertGreater(recheck.unchanged_count, 0)
        self.assertEqual(before, self.hashes("sicantik.permit"))

    def test_quarantine_matches_ground_truth(self):
        self.cycle()
        defects = self.src(
            "SELECT table_name, row_id, defect, detail FROM zz_sim_defect"
        )
        expected = {(t, r) for t, r, d, _x in defects if d in QUARANTINED_DEFECTS}
        self.assertEqual(self.open_quarantine(), expected)
        entries = self.env["sicantik.sync.quarantine"].search([])
        self.assertTrue(all(q.reason and q.raw_json for q in entries))
        for q in entries.filtered(lambda q: q.entity == "applicant"):
            self.assertNotIn('"no_referensi": "12', q.raw_json)  # NIK masked
        Applicant = self.env["sicantik.applicant"]
        Company = self.env["sicantik.company"]
        Permit = self.env["sicantik.permit"]
        for table, row_id, defect, detail in defects:
            info = dict(p.split("=", 1) for p in detail.split(";") if "=" in p)
            if defect == "mojibake":
                model = Applicant if table == "tmpemohon" else Company
                field = {
                    "n_pemohon": "name",
                    "a_pemohon": "address",
                    "n_perusahaan": "name",
                    "a_perusahaan": "address",
                }[info["column"]]
                rec = model.search([("sicantik_id", "=", row_id)])
                if rec:  # the row may also carry a quarantined defect
                    self.assertEqual(rec[field], info["intended"])
            elif defect == "extra_whitespace":
                rec = Company.search([("sicantik_id", "=", row_id)])
                self.assertEqual(rec.name, info["intended"])
            elif defect == "zero_date" and table == "tmpermohonan":
                rec = Permit.search([("sicantik_id", "=", row_id)])
                if rec:
                    field = {
                        "d_survey": "date_survey",
                        "d_berlaku_izin": "valid_until",
                        "d_terima_berkas": "date_received",
                        "d_selesai_proses": "date_due",
                    }[info["column"]]
                    self.assertFalse(rec[field])
            elif defect == "duplicate_join" and table == "tmpermohonan_trstspermohonan":
                pid = int(info["tmpermohonan_id"])
                newest = self.src(
                    "SELECT trstspermohonan_id FROM tmpermohonan_trstspermohonan "
                    "WHERE tmpermohonan_id = %s ORDER BY id DESC LIMIT 1",
                    (pid,),
                )[0][0]
                rec = Permit.search([("sicantik_id", "=", pid)])
                if rec:
                    self.assertEqual(rec.status_id.sicantik_id, newest)

    def test_incremental_after_mutate(self):
        self.cycle()
        permits_before = self.hashes("sicantik.permit")
        applicants_before = self.hashes("sicantik.applicant")
        summary = sandbox("mutate", "--url", self.url, "--seed", "5")
        run = self.cycle()
        permits_after = self.hashes("sicantik.permit")
        changed = {
            sid for sid, h in permits_after.items() if permits_before.get(sid) != h
        }
        quarantined = {sid for t, sid in self.open_quarantine() if t == "tmpermohonan"}
        visible = set(
            summary["new_ids"]
            + summary["stepped_ids"]
            + summary["issued_ids"]
            + summary["rejected_ids"]
            + summary["handed_over_ids"]
        )
        self.assertEqual(changed, visible - quarantined)
        self.assertGreater(run.created_count, 0)
        # applicant edits leave no timestamp: only the full re-check sees them
        self.cycle("recheck")
        applicants_after = self.hashes("sicantik.applicant")
        edited = {
            sid
            for sid, h in applicants_after.items()
            if applicants_before.get(sid, h) != h
        }
        expected = set(summary["edited_tmpemohon_ids"]) - {
            sid for t, sid in self.open_quarantine() if t == "tmpemohon"
        }
        self.assertEqual(edited, expected)

    def test_tombstone_marks_never_deletes(self):
        self.cycle()
        applicant = self.env["sicantik.applicant"].search([], limit=1, order="id desc")
        history = self.env["sicantik.permit.history"].search([], limit=1)
        self.src("DELETE FROM tmpemohon WHERE id = %s", (applicant.sicantik_id,))
        self.src(
            "DELETE FROM tmtrackingperizinan WHERE id = %s", (history.sicantik_id,)
        )
        run = self.cycle("recheck")
        self.assertEqual(run.missing_count, 2)
        self.assertTrue(applicant.exists().sicantik_missing)
        self.assertTrue(history.exists().sicantik_missing)
        self.assertEqual(
            self.env["sicantik.applicant"].search_count(
                [("sicantik_missing", "=", True)]
            ),
            1,
        )

    def test_time_zone_conversion(self):
        self.cycle()
        history = self.env["sicantik.permit.history"].search(
            [("date_start", "!=", False)], limit=1
        )
        (start,) = self.src(
            "SELECT d_entry_awal FROM tmtrackingperizinan WHERE id = %s",
            (history.sicantik_id,),
        )[0]
        jakarta = start.replace(tzinfo=ZoneInfo("Asia/Jakarta"))
        self.assertEqual(history.date_start, start - datetime.timedelta(hours=7))
        self.assertEqual(
            history.date_start,
            jakarta.astimezone(datetime.timezone.utc).replace(tzinfo=None),
        )
        # DATE columns stay calendar dates
        permit = self.env["sicantik.permit"].search(
            [("date_received", "!=", False)], limit=1
        )
        (received,) = self.src(
            "SELECT d_terima_berkas FROM tmpermohonan WHERE id = %s",
            (permit.sicantik_id,),
        )[0]
        self.assertEqual(permit.date_received, received)

    def test_notify_progress_and_batches(self):
        cron = self.env.ref("sicantik_sync.ir_cron_sicantik_sync")
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": cron.id, "remaining": 0, "done": 0}
        )
        Sync = type(self.sync)
        env = self.env(context={"ir_cron_progress_id": progress.id})
        with (
            patch.object(Sync, "_batch_size", return_value=25),
        ):
            env["sicantik.sync"]._cron_sync()
            self.assertGreater(progress.done, 0)
            self.assertGreater(progress.remaining, 0)
            for _i in range(500):
                env["sicantik.sync"]._cron_sync()
                self.assertFalse(progress.done == 0 and progress.remaining > 0)
                if not progress.remaining:
                    break
        self.assertEqual(progress.remaining, 0)
        run = self.env["sicantik.sync.run"].search([], limit=1)
        self.assertEqual(run.state, "done")
        self.assertGreater(run.batch_count, 5)

    def test_idle_cycle_skips_an_unchanged_window_but_sees_an_edit(self):
        """The re-read window is read again only when its digest changed."""
        self.cycle()
        state = self.env["sicantik.sync.state"]._get_state("changes")
        digest = state.window_digest
        self.assertTrue(digest)
        run = self.cycle()
        self.assertEqual((run.created_count, run.updated_count), (0, 0))
        self.assertEqual(state.window_digest, digest)
        # SICANTIK edits the newest step in place, without a new timestamp
        tid, status = self.src(
            "SELECT id, status FROM tmtrackingperizinan "
            "WHERE d_entry IS NOT NULL ORDER BY d_entry DESC, id DESC LIMIT 1"
        )[0]
        edited = "proses" if status != "proses" else "selesai"
        self.src(
            "UPDATE tmtrackingperizinan SET status = %s WHERE id = %s", [edited, tid]
        )
        try:
            run = self.cycle()
            step = self.env["sicantik.permit.history"].search(
                [("sicantik_id", "=", tid)]
            )
            self.assertTrue(step.source_stamp.startswith(edited + "|"))
            self.assertGreaterEqual(run.updated_count, 1)
            self.assertNotEqual(state.window_digest, digest)
        finally:
            self.src(
                "UPDATE tmtrackingperizinan SET status = %s WHERE id = %s",
                [status, tid],
            )
        self.cycle()
        self.assertTrue(step.source_stamp.startswith(f"{status}|"))
        self.assertEqual(state.window_digest, digest)

    def test_batch_write_is_set_based(self):
        """The write path of a batch costs the same queries for 5 or 50 rows."""
        entity = ents.BY_NAME["official"]
        with Source(self.url) as src:
            raw = entity.fetch(src, entity.next_ids(src, 0, 50))
        self.assertGreater(len(raw), 5)
        self.env.flush_all()
        # the office time zone (a cached system parameter when the deployment
        # does not set it) is read once per process, not per batch
        self.sync._tz()
        self.sync._write_plan(entity)
        stats = {}
        # staging table + merge + quarantine resolve; the rows travel as
        # COPY data, which is no query
        with self.assertQueryCount(3):
            self.sync._import(None, entity, None, stats, raw_rows=raw[:5])
        with self.assertQueryCount(3):
            self.sync._import(None, entity, None, stats, raw_rows=raw)
        counts = stats["entities"]["official"]
        self.assertEqual(counts["created"], len(raw))
        self.assertEqual(counts["unchanged"], 5)
        names = self.env["sicantik.official"].search([]).mapped("sicantik_id")
        self.assertEqual(sorted(names), sorted(r["id"] for r in raw))

    def test_copy_keeps_null_apart_from_empty_text(self):
        """COPY's CSV: NULL stays NULL, '' stays '', quotes and tabs survive."""
        text = pgcopy.csv_text(
            [
                {"a": None, "b": "", "c": 'x"y\tz\n', "d": True, "e": 1.5},
                {"a": 7, "b": None, "c": "ok", "d": False, "e": None},
                {"a": 0, "b": "t", "c": datetime.date(2024, 2, 29), "d": None},
            ],
            ["a", "b", "c", "d", "e"],
        )
        cr = self.env.cr
        cr.execute(
            "CREATE TEMP TABLE t_copy (a int4, b varchar, c varchar, d bool, e float8)"
        )
        cr.copy_expert("COPY t_copy FROM STDIN WITH (FORMAT csv)", io.StringIO(text))
        cr.execute("SELECT a, b, c, d, e FROM t_copy ORDER BY a NULLS FIRST")
        self.assertEqual(
            cr.fetchall(),
            [
                (None, "", 'x"y\tz\n', True, 1.5),
                (0, "t", "2024-02-29", None, None),
                (7, None, "ok", False, None),
            ],
        )
        with self.assertRaises(ValueError):
            pgcopy.csv_text([{"a": "nul\x00"}], ["a"])


@tagged("post_install", "-at_install")
class TestHarnessSource(TransactionCase):
    """The harness' read-only account on its own dirty database (no mutation)."""

    def test_configured_read_only_source(self):
        url = settings.get("mysql_url")
        if not url or not os.environ.get("SICANTIK_MYSQL_DATABASE"):
            self.skipTest("no SICANTIK_MYSQL_URL / SICANTIK_MYSQL_DATABASE exported")
        result = self.env["sicantik.sync"].run_cycle(commit=False)
        self.assertEqual(result["status"], "done", result)
        with Source(url) as src:
            defects = src.all("SELECT table_name, row_id, defect FROM zz_sim_defect")
            with self.assertRaises(source_lib.SourceError):
                src.execute_unguarded_for_test("DELETE FROM tmsk WHERE id = 1")
        expected = {
            (d["table_name"], d["row_id"])
            for d in defects
            if d["defect"] in QUARANTINED_DEFECTS
        }
        held = {
            (q.source_table, q.source_id)
            for q in self.env["sicantik.sync.quarantine"].search([])
        }
        self.assertEqual(held, expected)
        self.assertNotIn(
            "password", (result["run"].error or "") + result["run"].watermarks_after
        )


@tagged("post_install", "-at_install")
class TestCommand(TransactionCase):
    def test_cli_command_is_discovered(self):
        import argparse

        from odoo.cli.command import commands

        self.assertIn("sicantik_sync", commands)
        out = commands["sicantik_sync"]()._dispatch(
            self.env, argparse.Namespace(action="health")
        )
        self.assertTrue(out["ok"])
        self.assertIn("lag_minutes", out)


@tagged("post_install", "-at_install")
class TestQuarantineLifecycle(SicantikSourceCase):
    seed = 14

    def test_fixed_row_resolves_its_quarantine(self):
        self.cycle()
        entry = self.env["sicantik.sync.quarantine"].search(
            [("entity", "=", "applicant"), ("resolved", "=", False)], limit=1
        )
        self.assertTrue(entry)
        sid = entry.source_id
        self.assertFalse(
            self.env["sicantik.applicant"].search([("sicantik_id", "=", sid)])
        )
        # the office fixes the row in SICANTIK (no timestamp: the re-check sees it)
        self.src(
            "UPDATE tmpemohon SET n_pemohon = 'PEMOHON DIPERBAIKI', "
            "source = 'SIM', no_referensi = 'B 7654321' WHERE id = %s",
            (sid,),
        )
        run = self.cycle("recheck")
        self.assertGreaterEqual(run.created_count, 1)
        self.assertTrue(entry.resolved)
        self.assertTrue(entry.resolved_at)
        applicant = self.env["sicantik.applicant"].search([("sicantik_id", "=", sid)])
        self.assertEqual(applicant.name, "PEMOHON DIPERBAIKI")
        # seen again after breaking again: reopened, not duplicated
        self.src("UPDATE tmpemohon SET n_pemohon = '' WHERE id = %s", (sid,))
        self.cycle("recheck")
        self.assertFalse(entry.resolved)
        self.assertEqual(entry.seen_count, 2)
        self.assertTrue(applicant.exists())  # the last good version is kept
