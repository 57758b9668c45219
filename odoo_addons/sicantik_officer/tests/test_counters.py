"""The stored permit counters follow every write: the sync's set-based upsert,
the SLA update, and the tiles read them.

The counters are kept by triggers (``lib/permit_counts.py``); here they are
compared after each kind of write with a count written independently over
``sicantik_permit``.
"""

from datetime import date, timedelta

from odoo.tests import tagged

from odoo.addons.sicantik_sync.tests.common import make_unit_users

from ..lib import permit_counts
from .common import SANDBOX_TODAY, OfficerSourceCase

#: The facts counted, written here again (not taken from the addon).
DIRECT = """
SELECT kind, COALESCE(unit_id, 0), day, count(*) FROM (
    SELECT 'pending' AS kind, unit_id, DATE '1900-01-01' AS day
      FROM sicantik_permit WHERE decision = 'pending' AND NOT sicantik_missing
    UNION ALL
    SELECT 'overdue', unit_id, DATE '1900-01-01' FROM sicantik_permit WHERE is_overdue
    UNION ALL
    SELECT 'due_soon', unit_id, DATE '1900-01-01'
      FROM sicantik_permit WHERE sla_state = 'due_soon'
    UNION ALL
    SELECT 'valid_until', unit_id, valid_until FROM sicantik_permit
     WHERE is_issued AND NOT sicantik_missing AND valid_until IS NOT NULL
) x GROUP BY 1, 2, 3
"""


@tagged("post_install", "-at_install")
class TestCounters(OfficerSourceCase):
    def direct(self):
        self.env.flush_all()
        self.env.cr.execute(DIRECT)
        return {row[:3]: row[3] for row in self.env.cr.fetchall()}

    def stored(self):
        self.env.flush_all()
        self.env.cr.execute(
            f"SELECT kind, unit_id, day, n FROM {permit_counts.TABLE} WHERE n <> 0"  # noqa: S608
        )
        return {row[:3]: row[3] for row in self.env.cr.fetchall()}

    def assertCountersExact(self, msg=None):
        direct = self.direct()
        self.assertTrue(direct)
        self.assertEqual(self.stored(), direct, msg)

    def test_counters_after_sync_and_sla(self):
        # the class's initial sync (set-based inserts) and SLA update
        self.assertCountersExact("initial sync")
        Permit = self.Permit
        issued = Permit.search(
            [
                ("is_issued", "=", True),
                ("sicantik_missing", "=", False),
                ("valid_until", "!=", False),
            ],
            limit=1,
        )
        pending = Permit.search(
            [("decision", "=", "pending"), ("sicantik_missing", "=", False)], limit=1
        )
        self.assertTrue(issued and pending)
        before = self.stored()
        # SICANTIK revokes one permit and decides another; the sync's
        # change feed (rat) names both
        ids = [issued.sicantik_id, pending.sicantik_id]
        self.src("UPDATE tmpermohonan SET c_izin_dicabut = 1 WHERE id = %s", [ids[0]])
        self.src("UPDATE tmpermohonan SET c_penetapan = 2 WHERE id = %s", [ids[1]])
        for sid in ids:
            self.src("INSERT INTO rat (tmpermohonan) VALUES (%s)", [sid])
        run = self.cycle()
        self.assertTrue(run.updated_count)
        self.assertFalse(issued.is_issued)
        self.assertEqual(pending.decision, "rejected")
        self.assertCountersExact("after the sync's upsert")
        day_key = ("valid_until", issued.unit_id.id or 0, issued.valid_until)
        self.assertEqual(self.stored().get(day_key, 0), before[day_key] - 1)
        pending_key = ("pending", pending.unit_id.id or 0, date(1900, 1, 1))
        self.assertEqual(self.stored().get(pending_key, 0), before[pending_key] - 1)
        # the SLA update (one UPDATE): a month later more files are overdue
        Permit._recompute_sla(full=True, today=SANDBOX_TODAY + timedelta(days=30))
        self.assertCountersExact("after the SLA update")
        # counted again from scratch: the same
        Kpi = self.env["sicantik.dashboard.kpi"]
        Kpi._refresh_counters()
        self.assertCountersExact("after a refresh")

    def test_tiles_read_counters_and_officers_their_units(self):
        Kpi = self.env["sicantik.dashboard.kpi"]
        Kpi._ensure_view(force=True)
        self.env.cr.execute("SELECT pg_get_viewdef(%s::regclass)", [Kpi._table])
        self.assertIn(permit_counts.TABLE, self.env.cr.fetchone()[0])
        tiles = {k.code: k for k in Kpi.search([])}
        counted = {code: k.value for code, k in tiles.items()}
        self.env.cr.execute(
            "SELECT count(*) FROM sicantik_permit "
            "WHERE decision = 'pending' AND NOT sicantik_missing"
        )
        self.assertEqual(tiles["permits_in_process"].value, self.env.cr.fetchone()[0])
        # an officer limited to one unit counts under the record rules
        unit_a, _unit_b, users = make_unit_users(self.env, 8_800_000, "cnt")
        self.env["sicantik.permit"].search([], limit=3).write({"unit_id": unit_a.id})
        officer = users["officer_a"]
        for kpi in Kpi.with_user(officer).search([]):
            tile, key = kpi._definition()
            if not kpi.code.startswith("permits_"):
                continue
            domain = tile["domain"]
            count = self.env[tile["model"]].with_user(officer).search_count(domain)
            self.assertEqual(kpi.visible_value, count, kpi.code)
        # the direct counting stays available (diagnostics)
        self.env["ir.config_parameter"].set_param(
            "sicantik_officer.dashboard_counters", "0"
        )
        self.assertTrue(Kpi._ensure_view())
        self.env.cr.execute("SELECT pg_get_viewdef(%s::regclass)", [Kpi._table])
        self.assertNotIn(permit_counts.TABLE, self.env.cr.fetchone()[0])
        Kpi.invalidate_model()
        direct = {k.code: k.value for k in Kpi.search([])}
        self.assertEqual(direct, counted)
