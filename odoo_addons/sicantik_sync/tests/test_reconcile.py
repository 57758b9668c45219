from odoo.tests import tagged

from odoo.addons.sicantik_audit.tests.common import trap_audit

from .common import SicantikSourceCase


@tagged("post_install", "-at_install")
class TestReconcile(SicantikSourceCase):
    seed = 13

    def test_reconcile_finds_drift_exactly(self):
        self.cycle()
        wizard = self.env["sicantik.sync.reconcile"].create({})
        wizard.action_run()
        self.assertEqual(wizard.state, "done")
        self.assertTrue(wizard.in_sync, wizard.line_ids.mapped("missing_in_odoo"))
        lines = {line.entity: line for line in wizard.line_ids}
        self.assertEqual(lines["permit"].source_checksum, lines["permit"].odoo_checksum)
        # hand-made drift: one permit edited in Odoo, one history line lost,
        # one applicant deleted from SICANTIK
        permits = self.env["sicantik.permit"].search([], limit=2, order="sicantik_id")
        history = self.env["sicantik.permit.history"].search([], limit=1)
        history_sid = history.sicantik_id
        applicant = self.env["sicantik.applicant"].search([], limit=1)
        self.env.cr.execute(
            "UPDATE sicantik_permit SET row_hash = 'tampered' WHERE id = %s",
            [permits[0].id],
        )
        self.env.cr.execute(
            "DELETE FROM sicantik_permit_history WHERE id = %s", [history.id]
        )
        self.src("DELETE FROM tmpemohon WHERE id = %s", (applicant.sicantik_id,))
        self.env.invalidate_all()
        wizard = self.env["sicantik.sync.reconcile"].create({})
        with trap_audit(self.env) as trap:
            wizard.action_run()
        lines = {line.entity: line for line in wizard.line_ids}
        self.assertFalse(wizard.in_sync)
        self.assertEqual(lines["permit"].hash_differs, str(permits[0].sicantik_id))
        self.assertEqual(lines["permit"].n_missing_in_odoo, 0)
        self.assertNotEqual(
            lines["permit"].source_checksum, lines["permit"].odoo_checksum
        )
        self.assertEqual(lines["history"].missing_in_odoo, str(history_sid))
        self.assertEqual(
            lines["applicant"].missing_in_sicantik, str(applicant.sicantik_id)
        )
        for name in ("status", "permit_type", "official", "company"):
            self.assertTrue(lines[name].in_sync, name)
        trap.assert_logged("sync.reconcile")
