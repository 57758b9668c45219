from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

from ..cli.sicantik_audit import run_action
from .common import isolated_s3_prefix, s3_configured, triggers_disabled


@tagged("post_install", "-at_install")
class TestVerify(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["sicantik.audit.event"]
        cls.events = [cls.Event.log("sync.run", f"event {i}") for i in range(5)]
        cls.Event._audit_seal()

    def verify(self):
        return self.Event._audit_verify_chain(anchors=False)

    def test_intact_chain_verifies(self):
        report = self.verify()
        self.assertTrue(report["ok"], report)
        self.assertEqual(report["last_sequence"], self.events[-1].sequence)
        self.assertEqual(report["last_hash"], self.events[-1].hash)

    def test_tampered_summary_found_exactly(self):
        target = self.events[2]
        with triggers_disabled(self.env.cr):
            self.env.cr.execute(
                "UPDATE sicantik_audit_event SET summary = 'nothing happened'"
                " WHERE id = %s",
                [target.id],
            )
        report = self.verify()
        self.assertFalse(report["ok"])
        self.assertEqual(report["broken_sequence"], target.sequence)
        self.assertEqual(report["reason"], "content does not match hash")
        self.assertEqual(report["last_sequence"], target.sequence - 1)

    def test_every_column_is_covered(self):
        target = self.events[1]
        cr = self.env.cr
        for column, value in (
            ("actor_login", "someone_else"),
            ("event_time", "2020-01-01 00:00:00"),
            ("details", '{"forged":true}'),
            ("res_id", "42"),
            ("ip", "10.0.0.1"),
            ("prev_hash", "0" * 64),
        ):
            cr.execute("SAVEPOINT tamper_column")
            with triggers_disabled(cr):
                cr.execute(
                    SQL(
                        "UPDATE sicantik_audit_event SET %s = %s WHERE id = %s",
                        SQL.identifier(column),
                        value,
                        target.id,
                    )
                )
            report = self.verify()
            cr.execute("ROLLBACK TO SAVEPOINT tamper_column")
            self.assertEqual(report["broken_sequence"], target.sequence, column)

    def test_deleted_row_found(self):
        target = self.events[3]
        target_sequence = target.sequence
        with triggers_disabled(self.env.cr):
            self.env.cr.execute(
                "DELETE FROM sicantik_audit_event WHERE id = %s", [target.id]
            )
        report = self.verify()
        self.assertFalse(report["ok"])
        self.assertEqual(report["broken_sequence"], target_sequence)
        self.assertEqual(report["reason"], "missing event")

    def test_rehashed_row_breaks_next_link(self):
        """Rewriting a row *and* its hash breaks the following event's link."""
        target = self.events[1]
        with triggers_disabled(self.env.cr):
            self.env.cr.execute(
                "UPDATE sicantik_audit_event SET hash = repeat('a', 64) WHERE id = %s",
                [target.id],
            )
        report = self.verify()
        self.assertEqual(report["broken_sequence"], target.sequence)

    def test_command_reports_broken_chain(self):
        status, report = run_action(self.env, "verify")
        self.assertEqual(status, 0, report)
        with triggers_disabled(self.env.cr):
            self.env.cr.execute(
                "UPDATE sicantik_audit_event SET action = 'sync.nothing' WHERE id = %s",
                [self.events[4].id],
            )
        status, report = run_action(self.env, "verify")
        self.assertEqual(status, 1)
        self.assertEqual(report["broken_sequence"], self.events[4].sequence)

    def test_button_reports(self):
        action = self.Event.action_verify_chain()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.Event.search([], limit=1).action, "audit.verify")

    @mute_logger("odoo.addons.sicantik_audit.models.audit_chain")
    def test_cron_alerts_admins_when_broken(self):
        admin = self.env.ref("base.user_admin")
        admin.partner_id.email = "admin@example.go.id"
        with triggers_disabled(self.env.cr):
            self.env.cr.execute(
                "UPDATE sicantik_audit_event SET summary = 'x' WHERE id = %s",
                [self.events[0].id],
            )
        mails = self.env["mail.mail"].search([])
        with isolated_s3_prefix():
            report = self.Event._cron_verify_chain()
        self.assertFalse(report["ok"])
        alert = self.env["mail.mail"].search([]) - mails
        self.assertEqual(len(alert), 1)
        self.assertIn(admin.partner_id, alert.recipient_ids)
        self.assertIn(str(self.events[0].sequence), alert.body_html)
        logged = self.Event.search([], limit=1)
        self.assertEqual(logged.action, "audit.verify")
        self.assertEqual(logged.actor_type, "system")

    def test_cron_retention_reports_progress(self):
        """Nothing old enough: done=0 and remaining=0 (never 0 with work left)."""
        if not s3_configured():
            self.skipTest("S3 is not configured (SICANTIK_S3_* settings)")
        with isolated_s3_prefix():
            result = self.Event._cron_retention()
        self.assertEqual((result["archived"], result["remaining"]), (0, 0))
