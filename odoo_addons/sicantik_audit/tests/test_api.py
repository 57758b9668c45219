import json

from odoo import api
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from odoo.addons.sicantik_base.tests.common import make_role_users

from ..lib import chain
from ..models.audit_event import LOCK_KEY


@tagged("post_install", "-at_install")
class TestAuditApi(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = make_role_users(cls.env)
        cls.Event = cls.env["sicantik.audit.event"]

    def test_plain_user_can_log(self):
        """A user with no audit right logs; the event carries who it was."""
        plain = new_test_user(self.env, login="audit_plain", groups="base.group_user")
        event = self.Event.with_user(plain).log(
            "document.download", "Downloaded", record=plain.partner_id
        )
        event = event.sudo()
        self.assertEqual(event.actor_type, "user")
        self.assertEqual(event.actor_uid, plain.id)
        self.assertEqual(event.actor_login, "audit_plain")
        self.assertEqual(event.res_model, "res.partner")
        self.assertEqual(event.res_id, plain.partner_id.id)

    def test_public_user_can_log(self):
        public = self.env.ref("base.public_user")
        event = self.Event.with_user(public).log(
            "verify.public", "QR checked", record=("res.partner", 7)
        )
        event = event.sudo()
        self.assertEqual(event.actor_type, "public")
        self.assertFalse(event.actor_login)
        self.assertFalse(event.ip, "a visitor's IP is never stored")
        self.assertEqual((event.res_model, event.res_id), ("res.partner", 7))

    def test_visitor_key_is_salted_hash(self):
        key = self.Event._audit_visitor_key("203.0.113.7")
        self.assertEqual(len(key), 64)
        self.assertNotIn("203.0.113.7", key)
        self.assertEqual(key, self.Event._audit_visitor_key("203.0.113.7"))
        self.assertNotEqual(key, self.Event._audit_visitor_key("203.0.113.8"))

    def test_superuser_outside_a_request_is_the_system(self):
        event = self.Event.sudo().log("sync.quarantine", "quarantined")
        self.assertEqual((event.actor_type, event.actor_uid), ("system", 1))

    def test_details_masked_before_hashing(self):
        nik = "3201234567890123"
        event = self.Event.log(
            "sign.request",
            summary=f"Request for NIK {nik}",
            details={
                "nik": nik,
                "npwp": "01.234.567.8-901.000",
                "email": "budi@example.go.id",
                "passphrase": "rahasia",
                "note": f"pemohon {nik}",
                "nested": {"phone": "+62 812-3456-7890"},
            },
        )
        self.assertNotIn(nik, event.summary)
        self.assertIn("************0123", event.summary)
        details = json.loads(event.details)
        self.assertEqual(details["nik"], "************0123")
        self.assertEqual(details["npwp"], "***********1000")
        self.assertEqual(details["email"], "b***@example.go.id")
        self.assertEqual(details["passphrase"], "[redacted]")
        self.assertEqual(details["note"], "pemohon ************0123")
        self.assertEqual(details["nested"]["phone"], "*********7890")
        self.assertNotIn("rahasia", event.details)

    def test_chain_links(self):
        first = self.Event.log("sync.run", "one")
        second = self.Event.log("sync.run", "two")
        # Pending until sealed (after the commit, in production).
        self.assertFalse(first.sequence or first.hash or second.prev_hash)
        self.assertGreaterEqual(self.Event._audit_seal(), 2)
        self.env.invalidate_all()
        self.assertEqual(second.sequence, first.sequence + 1)
        self.assertEqual(second.prev_hash, first.hash)
        # Recompute from the stored columns (the ORM rounds datetimes to the
        # second, the database keeps the microseconds that were hashed).
        self.env.cr.execute(
            "SELECT sequence, event_time, actor_type, actor_uid, actor_login,"
            "       actor_name, actor_key, action, res_model, res_id, summary,"
            "       details, ip, user_agent"
            "  FROM sicantik_audit_event WHERE id = %s",
            [second.id],
        )
        row = self.env.cr.fetchone()
        self.assertEqual(
            chain.event_hash(first.hash, chain.canonical(row)), second.hash
        )

    def test_bad_action_is_loud(self):
        with self.assertRaises(ValueError):
            self.Event.log("Not A Dotted Name")
        with self.assertRaises(ValueError):
            self.Event.log("sync.run", record="res.partner")
        with self.assertRaises(TypeError):
            self.Event.log("sync.run", actor={"type": "robot"})

    def test_log_takes_no_lock(self):
        """Logging must not serialise business transactions: until this one
        ends, another connection can still take the chain lock."""
        self.Event.log("sync.run", "no lock held")
        with self.registry.cursor() as other:
            other.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
            self.assertTrue(other.fetchone()[0])

    def test_auditor_reads_others_do_not(self):
        event = self.Event.log("sync.run", "x")
        self.assertEqual(event.with_user(self.users["auditor"]).action, "sync.run")
        self.assertFalse(self.Event.with_user(self.users["petugas"]).has_access("read"))


@tagged("post_install", "-at_install")
class TestAuditApiUnderHttpCase(HttpCase):
    """In HttpCase, request handlers get a TestCursor over the test's cursor:
    the API and the verifier must work through it (other addons' controller
    tests log this way)."""

    def test_log_and_verify_through_test_cursor(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            first = env["sicantik.audit.event"].log("verify.public", "one")
            second = env["sicantik.audit.event"].log("verify.public", "two")
            env["sicantik.audit.event"]._audit_seal()
            env.invalidate_all()
            self.assertEqual(second.prev_hash, first.hash)
            report = env["sicantik.audit.event"]._audit_verify_chain(anchors=False)
            self.assertTrue(report["ok"], report)
