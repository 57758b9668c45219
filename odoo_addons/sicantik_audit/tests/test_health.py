from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from ..models.audit_event import append_event


@tagged("post_install", "-at_install")
class TestAuditHealth(TransactionCase):
    def test_pending_events_shown_then_alarming(self):
        Event = self.env["sicantik.audit.event"]
        Health = self.env["sicantik.health"]
        Event._audit_seal()
        Event.log("sync.run", "fresh")
        check = Health._health_checks()["audit_chain"]
        self.assertTrue(check["ok"], check)
        self.assertEqual(check["pending"], 1)
        # An event a crashed process left unsealed twenty minutes ago.
        values = Event._audit_values("sync.run", "stuck", None, {})
        values["event_time"] = fields.Datetime.now() - timedelta(minutes=20)
        append_event(self.env.cr, values)
        check = Health._health_checks()["audit_chain"]
        self.assertFalse(check["ok"], check)
        self.assertGreaterEqual(check["pending_oldest"], 1100)
        metrics = {name: value for name, _k, _h, value, _l in Health._metrics()}
        self.assertEqual(metrics["sicantik_audit_pending_events"], 2)
        Event._audit_seal()
        self.assertTrue(Health._health_checks()["audit_chain"]["ok"])
        self.assertEqual(Event._audit_verify_chain(anchors=False)["pending"], 0)
