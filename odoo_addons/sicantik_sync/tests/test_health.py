import re

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import SicantikSourceCase, configured_url


def metric(text, name, labels=""):
    """Value of one sample in Prometheus text, or None when absent."""
    pattern = rf"^{re.escape(name + labels)} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else None


@tagged("post_install", "-at_install")
class TestSyncHealth(SicantikSourceCase):
    """Lag check and sync metrics on real cycles against a dirty sandbox."""

    def setUp(self):
        super().setUp()
        # Start from a database that never synchronised (inside the test
        # transaction only): the checks must read what this test creates.
        self.env.cr.execute("DELETE FROM sicantik_sync_run")
        self.env.cr.execute("DELETE FROM sicantik_sync_quarantine")
        self.env.invalidate_all()
        self.health = self.env["sicantik.health"]

    def lag_check(self):
        return self.health._health_checks()["sync_lag"]

    def test_never_run_is_not_a_failure(self):
        check = self.lag_check()
        self.assertIsNone(check["ok"])
        self.assertEqual(self.health.health_report()["status"], "ok")
        text = self.health.metrics_text()
        self.assertIsNone(metric(text, "sicantik_sync_lag_seconds"))
        self.assertEqual(metric(text, "sicantik_sync_runs", '{state="done"}'), 0)
        self.assertEqual(metric(text, "sicantik_sync_quarantined_rows"), 0)

    def test_metrics_after_a_real_cycle(self):
        self.cycle()
        check = self.lag_check()
        self.assertIs(check["ok"], True, check)
        self.assertEqual(check["lag_minutes"], 0)
        text = self.health.metrics_text()
        self.assertIn("# TYPE sicantik_sync_lag_seconds gauge", text)
        self.assertLess(metric(text, "sicantik_sync_lag_seconds"), 120)
        self.assertEqual(metric(text, "sicantik_sync_runs", '{state="done"}'), 1)
        self.assertEqual(metric(text, "sicantik_sync_runs", '{state="failed"}'), 0)
        open_rows = self.env["sicantik.sync.quarantine"].search_count(
            [("resolved", "=", False)]
        )
        self.assertGreater(open_rows, 0, "the dirty sandbox quarantines rows")
        self.assertEqual(metric(text, "sicantik_sync_quarantined_rows"), open_rows)

    def test_lag_beyond_the_alert_limit_fails_the_probe(self):
        self.cycle()
        limit = self.env["sicantik.sync"]._lag_limit()
        late = fields.Datetime.subtract(fields.Datetime.now(), minutes=limit + 5)
        self.env.flush_all()
        # every run of this test (setUp emptied the table) ended long ago
        self.env.cr.execute(
            "UPDATE sicantik_sync_run SET started_at = %s, finished_at = %s",
            [late, late],
        )
        self.env.invalidate_all()
        check = self.lag_check()
        self.assertIs(check["ok"], False, check)
        self.assertEqual(check["lag_minutes"], limit + 5)
        self.assertEqual(self.health.health_report()["status"], "error")
        text = self.health.metrics_text()
        self.assertGreaterEqual(
            metric(text, "sicantik_sync_lag_seconds"), (limit + 5) * 60
        )

    def test_only_failed_runs_count_from_the_first_attempt(self):
        bad = "mysql+pymysql://sync_ro:pw@127.0.0.1:1/nowhere"
        with (
            mute_logger("odoo.addons.sicantik_sync.models.sicantik_sync"),
            configured_url(bad),
        ):
            run = self.env["sicantik.sync"].run_batch()["run"]
        self.assertEqual(run.state, "failed")
        self.assertIs(self.lag_check()["ok"], True, "just failed: not late yet")
        limit = self.env["sicantik.sync"]._lag_limit()
        late = fields.Datetime.subtract(fields.Datetime.now(), minutes=limit + 1)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sicantik_sync_run SET started_at = %s WHERE id = %s",
            [late, run.id],
        )
        self.env.invalidate_all()
        check = self.lag_check()
        self.assertIs(check["ok"], False, check)
        text = self.health.metrics_text()
        self.assertEqual(metric(text, "sicantik_sync_runs", '{state="failed"}'), 1)
