from odoo.tests import new_test_user, tagged

from .common import OfficerSourceCase

#: Independent SQL per tile (written here, not taken from the addon).
DIRECT = {
    "permits_in_process": "SELECT count(*) FROM sicantik_permit "
    "WHERE decision = 'pending' AND NOT sicantik_missing",
    "permits_overdue": "SELECT count(*) FROM sicantik_permit WHERE is_overdue",
    "permits_due_soon": "SELECT count(*) FROM sicantik_permit "
    "WHERE sla_state = 'due_soon'",
    "sync_quarantine": "SELECT count(*) FROM sicantik_sync_quarantine "
    "WHERE NOT resolved",
}


@tagged("post_install", "-at_install")
class TestDashboard(OfficerSourceCase):
    def test_tiles_equal_direct_counts(self):
        Kpi = self.env["sicantik.dashboard.kpi"]
        Kpi._ensure_view(force=True)
        tiles = {k.code: k for k in Kpi.search([])}
        for code, sql in DIRECT.items():
            self.env.cr.execute(sql)
            self.assertEqual(tiles[code].value, self.env.cr.fetchone()[0], code)
        self.assertGreater(tiles["permits_overdue"].value, 0)
        self.assertGreater(tiles["sync_quarantine"].value, 0)  # dirty sandbox
        for days in (30, 60, 90):
            self.env.cr.execute(
                "SELECT count(*) FROM sicantik_permit WHERE is_issued "
                "AND NOT sicantik_missing AND valid_until >= "
                "(now() AT TIME ZONE 'Asia/Jakarta')::date AND valid_until <= "
                "(now() AT TIME ZONE 'Asia/Jakarta')::date + %s",
                [days],
            )
            code = f"permits_expiring_{days}"
            self.assertEqual(tiles[code].value, self.env.cr.fetchone()[0], code)
        # each tile opens exactly the records it counts
        for code, kpi in tiles.items():
            if not code.startswith(("permits_", "sync_quarantine")):
                continue
            action = kpi.action_open()
            count = self.env[action["res_model"]].search_count(action["domain"])
            self.assertEqual(count, kpi.value, code)
            self.assertEqual(kpi.visible_value, kpi.value, code)
        self.assertEqual(tiles["sync_lag"].value, 0)

    def test_labels_translated_and_view_stable(self):
        Kpi = self.env["sicantik.dashboard.kpi"].with_context(lang="id_ID")
        self.env.ref("base.lang_id").sudo().active = True
        tile = Kpi.search([("code", "=", "permits_overdue")])
        self.assertEqual(tile.name, "Terlambat (melewati SLA)")
        # the registry hook leaves an unchanged view alone
        self.assertFalse(Kpi._ensure_view())

    def test_metrics(self):
        text = self.env["sicantik.health"].metrics_text()
        self.env.cr.execute("SELECT count(*) FROM sicantik_permit WHERE is_overdue")
        self.assertIn(f"sicantik_permits_overdue {self.env.cr.fetchone()[0]}", text)
        for days in (30, 60, 90):
            self.assertIn(f'sicantik_permits_expiring{{days="{days}"}}', text)

    def test_officer_reads_dashboard_and_sla(self):
        officer = new_test_user(
            self.env, login="petugas_dash", groups="sicantik_base.group_petugas"
        )
        Kpi = self.env["sicantik.dashboard.kpi"].with_user(officer)
        tiles = Kpi.search([])
        self.assertTrue(tiles)
        self.assertTrue(all(tiles.mapped("name")))
        overdue = tiles.filtered(lambda t: t.code == "permits_overdue")
        action = overdue.action_open()
        permits = (
            self.env["sicantik.permit"].with_user(officer).search(action["domain"])
        )
        self.assertEqual(len(permits), overdue.visible_value)
        # an officer without units sees the whole office
        self.assertEqual(overdue.visible_value, overdue.value)
        permits[:5].read(
            ["sla_state", "sla_working_days", "sla_remaining_days", "expiry_notice_ids"]
        )

    def test_lag_tile_without_successful_sync(self):
        self.env.cr.execute("DELETE FROM sicantik_sync_run")
        tile = self.env["sicantik.dashboard.kpi"].search([("code", "=", "sync_lag")])
        self.assertEqual(tile.value, -1)
        self.assertEqual(tile.severity, "danger")

    def test_charts_count_what_they_show(self):
        """Permits issued per month (and signatures per week when signing is
        installed): graph declarations whose groups add up to a direct count,
        read under the officer's own rights."""
        officer = new_test_user(
            self.env, login="petugas_chart", groups="sicantik_base.group_petugas"
        )
        charts = {
            chart["code"]: chart
            for chart in self.env["sicantik.dashboard.kpi"]
            .with_user(officer)
            .get_dashboard_charts()
        }
        issued = charts["permits_issued_month"]
        self.assertEqual(issued["context"]["graph_groupbys"], ["sk_date:month"])
        # the graph view names the grouped field (the web client knows only
        # the fields of the views it loads)
        arch = self.env["ir.ui.view"].browse(issued["view_id"]).arch
        self.assertIn('name="sk_date"', arch)
        since = next(d[2] for d in issued["domain"] if d[0] == "sk_date")
        # the same permit rows as the SICANTIK sandbox put there, grouped by
        # month in SQL (independently of the ORM)
        self.env.cr.execute(
            "SELECT date_trunc('month', sk_date)::date, count(*) "
            "FROM sicantik_permit WHERE is_issued AND NOT sicantik_missing "
            "AND sk_date >= %s GROUP BY 1",
            [since],
        )
        direct = {month: count for month, count in self.env.cr.fetchall()}
        groups = (
            self.env[issued["model"]]
            .with_user(officer)
            ._read_group(issued["domain"], ["sk_date:month"], ["__count"])
        )
        self.assertEqual({month: count for month, count in groups}, direct)
        self.assertGreater(sum(direct.values()), 0)
        if "sicantik.signature.request" in self.env:
            weekly = charts["signatures_week"]
            self.assertEqual(weekly["context"]["graph_groupbys"], ["signed_at:week"])
            self.assertIn(("state", "=", "signed"), weekly["domain"])
            arch = self.env["ir.ui.view"].browse(weekly["view_id"]).arch
            self.assertIn('name="signed_at"', arch)
