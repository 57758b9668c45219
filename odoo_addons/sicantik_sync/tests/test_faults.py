import os
from datetime import timedelta
from unittest.mock import patch

import pymysql

from odoo import api, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.sicantik_audit.tests.common import trap_audit

from sandbox.sicantik.admin import connect

from ..lib import entities as ents
from ..lib import source as source_lib
from ..models.sicantik_sync import LOCK_KEY
from .common import SicantikSourceCase, admin_sql, configured_url, db_url

_LOGGER = "odoo.addons.sicantik_sync.models.sicantik_sync"


@tagged("post_install", "-at_install")
class TestFaults(SicantikSourceCase):
    seed = 12

    def _assert_no_duplicates(self):
        for entity in ents.ALL:
            table = self.env[entity.model]._table
            self.env.cr.execute(
                f"SELECT COUNT(*) - COUNT(DISTINCT sicantik_id) FROM {table}"  # noqa: S608
            )
            self.assertEqual(self.env.cr.fetchone()[0], 0, entity.name)

    def test_read_only_three_ways(self):
        # 1. our guard refuses before sending anything
        with source_lib.Source(self.url) as src:
            for sql in (
                "DELETE FROM tmpermohonan",
                "UPDATE tmsk SET no_surat = 'x'",
                "SELECT 1; DROP TABLE tmsk",
                "SELECT * FROM tmsk FOR UPDATE",
                "SET SESSION TRANSACTION READ WRITE",
            ):
                with self.assertRaises(source_lib.WriteRefused):
                    src.all(sql)
            # 2. even with write grants (root), the session is read-only
            with self.assertRaisesRegex(source_lib.SourceError, "1792"):
                src.execute_unguarded_for_test("DELETE FROM tmsk WHERE id = 1")
        self.assertEqual(self.src("SELECT COUNT(*) FROM tmsk WHERE id = 1")[0][0], 1)
        # 3. the SELECT-only account cannot write even outside a read-only session
        user = f"sync_ro_t{os.getpid()}"[:30]
        admin_sql(None, f"DROP USER IF EXISTS '{user}'@'%'")
        admin_sql(None, f"CREATE USER '{user}'@'%' IDENTIFIED BY 'ro-pass'")
        admin_sql(None, f"GRANT SELECT ON `{self.source_db}`.* TO '{user}'@'%'")
        self.addCleanup(admin_sql, None, f"DROP USER IF EXISTS '{user}'@'%'")
        ro_url = db_url(self.source_db, user, "ro-pass")
        with source_lib.Source(ro_url) as src:
            with self.assertRaisesRegex(source_lib.SourceError, "1142|1792"):
                src.execute_unguarded_for_test("DELETE FROM tmsk WHERE id = 1")
        raw = connect(ro_url)
        try:
            with (
                raw.cursor() as cur,
                self.assertRaises(pymysql.err.OperationalError) as err,
            ):
                cur.execute("DELETE FROM tmsk WHERE id = 1")
            self.assertEqual(err.exception.args[0], 1142)  # command denied
        finally:
            raw.close()
        # and the harness' read-only URL, when given, syncs fine
        run = self.cycle(url=ro_url)
        self.assertGreater(run.created_count, 0)

    @mute_logger(_LOGGER)
    def test_unreachable_source_recorded_and_resumed(self):
        with trap_audit(self.env) as trap:
            bad = "mysql+pymysql://sync_ro:s3cret-pw@127.0.0.1:1/nowhere"
            with configured_url(bad):
                result = self.sync.run_batch()
            self.assertEqual(result["status"], "failed")
            run = result["run"]
            self.assertEqual(run.state, "failed")
            self.assertTrue(run.error)
            self.assertNotIn("s3cret-pw", run.error)
            self.assertFalse(self.env["sicantik.permit"].search_count([]))
            ok = self.cycle()
            self.assertEqual(ok.state, "done")
            self.assertGreater(ok.created_count, 0)
        trap.assert_logged("sync.run", min_count=2)

    @mute_logger(_LOGGER)
    def test_connection_killed_mid_run_then_resume(self):
        Sync = type(self.sync)
        original = ents.Permit._fetch
        killed = []

        def fetch_then_die(entity, src, match):
            if not killed:
                cid = src.connection_id()
                admin_sql(None, f"KILL {int(cid)}")
                killed.append(cid)
            return original(entity, src, match)

        with patch.object(Sync, "_batch_size", return_value=20):
            # the first steps succeed batch by batch ...
            for _i in range(200):
                result = self.sync.run_batch()
                if result.get("step") == "company" and result["status"] == "progress":
                    break
            state = self.env["sicantik.sync.state"]._get_state("permit")
            self.assertEqual(state.last_id, 0)
            with patch.object(ents.Permit, "_fetch", fetch_then_die):
                for _i in range(50):
                    result = self.sync.run_batch()
                    if result["status"] != "progress":
                        break
            self.assertEqual(result["status"], "failed")
            self.assertTrue(killed)
            self.assertEqual(result["run"].state, "failed")
            self.assertIn("MySQL error", result["run"].error)
            # the failed batch left nothing behind and kept the watermark
            self.assertEqual(state.last_id, 0)
            self.assertFalse(self.env["sicantik.permit"].search_count([]))
            # the next cycle resumes where the last committed batch stopped
            run = self.cycle()
        (count,) = self.src("SELECT COUNT(*) FROM tmpermohonan")[0]
        quarantined = len([q for q in self.open_quarantine() if q[0] == "tmpermohonan"])
        self.assertEqual(
            self.env["sicantik.permit"].search_count([]), count - quarantined
        )
        self.assertEqual(run.state, "done")
        self._assert_no_duplicates()

    def test_resume_after_crash_between_batches(self):
        Sync = type(self.sync)
        with patch.object(Sync, "_batch_size", return_value=15):
            first = self.sync.run_batch()
            self.assertEqual(first["status"], "progress")
            for _i in range(6):
                self.sync.run_batch()
            # the worker dies here; a new one picks up the running run
            self.env.invalidate_all()
            result = self.sync.run_cycle(commit=False)
        self.assertEqual(result["run"], first["run"])
        self.assertEqual(result["run"].state, "done")
        self._assert_no_duplicates()
        # replaying an already imported batch is harmless
        with patch.object(Sync, "_batch_size", return_value=15):
            self.env["sicantik.sync.state"]._get_state("permit").last_id = 0
            again = self.sync.run_cycle(commit=False)["run"]
        self.assertEqual(again.created_count, 0)
        self.assertEqual(again.updated_count, 0)
        self._assert_no_duplicates()

    def test_two_workers_never_import_twice(self):
        with self.registry.cursor() as other_cr:
            other_cr.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
            self.assertTrue(other_cr.fetchone()[0])
            result = self.sync.run_batch()
            self.assertEqual(result["status"], "locked")
            self.assertFalse(self.env["sicantik.sync.run"].search_count([]))
            other_cr.rollback()
        # and the other way round: while this transaction holds it, a second
        # worker (its own connection) skips
        self.sync.run_batch()
        with self.registry.cursor() as other_cr:
            env2 = api.Environment(other_cr, self.env.uid, {})
            self.assertEqual(env2["sicantik.sync"].run_batch()["status"], "locked")
            other_cr.rollback()

    def test_lag_alert_once_per_outage(self):
        admins = self.env.ref("sicantik_base.group_admin").users
        Activity = self.env["mail.activity"]
        # never attempted: nothing to say yet
        self.assertFalse(self.sync._cron_lag_alert())
        run = self.cycle()
        self.assertFalse(self.sync._cron_lag_alert())
        run.finished_at = fields.Datetime.now() - timedelta(minutes=120)
        self.assertEqual(self.sync.health()["lag_minutes"], 120)
        self.assertTrue(self.sync._cron_lag_alert())
        activities = Activity.search(
            [("res_model", "=", "sicantik.sync.run"), ("user_id", "in", admins.ids)]
        )
        self.assertTrue(activities)
        # once per outage
        self.assertFalse(self.sync._cron_lag_alert())
        self.assertEqual(
            Activity.search_count([("res_model", "=", "sicantik.sync.run")]),
            len(activities),
        )
        # a successful run ends the outage
        self.cycle()
        self.assertFalse(
            self.env["ir.config_parameter"].get_param("sicantik_sync.lag_alerted")
        )

    @mute_logger(_LOGGER)
    def test_lag_alert_when_never_successful(self):
        bad = "mysql+pymysql://nobody@127.0.0.1:1/nowhere"
        with configured_url(bad):
            run = self.sync.run_batch()["run"]
        self.assertFalse(self.sync._cron_lag_alert())  # just started failing
        run.started_at = fields.Datetime.now() - timedelta(hours=2)
        self.assertTrue(self.sync._cron_lag_alert())
        self.assertTrue(run.activity_ids)
        self.assertIn("MySQL error", run.activity_ids[0].note)
