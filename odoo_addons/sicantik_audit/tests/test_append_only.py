import psycopg2

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.sicantik_base.tests.common import make_role_users


@tagged("post_install", "-at_install")
class TestAppendOnly(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = make_role_users(cls.env)
        cls.Event = cls.env["sicantik.audit.event"]
        cls.event = cls.Event.log("sync.run", "protected")
        cls.Event._audit_seal()
        cls.pending = cls.Event.log("sync.run", "pending")

    def test_orm_refuses_admin_and_superuser(self):
        for env in (
            self.env(user=self.env.ref("base.user_admin")),
            self.env(su=True),
        ):
            event = self.event.with_env(env)
            with self.assertRaises(UserError):
                event.write({"summary": "rewritten"})
            with self.assertRaises(UserError):
                event.unlink()
            with self.assertRaises(UserError):
                env["sicantik.audit.event"].create({"action": "x.y", "sequence": 1})
        self.assertEqual(self.event.summary, "protected")

    def test_acl_auditor_read_only(self):
        auditor_events = self.Event.with_user(self.users["auditor"])
        self.assertTrue(auditor_events.has_access("read"))
        for operation in ("write", "create", "unlink"):
            self.assertFalse(auditor_events.has_access(operation), operation)
        with self.assertRaises(AccessError):
            self.event.with_user(self.users["petugas"]).read(["summary"])

    def _refused(self, sql, params=None):
        with self.assertRaises(psycopg2.Error) as caught, mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.env.cr.execute(sql, params)
        self.assertIn("append-only", str(caught.exception))

    def test_database_refuses_update_delete_truncate(self):
        self._refused(
            "UPDATE sicantik_audit_event SET summary = 'x' WHERE id = %s",
            [self.event.id],
        )
        self._refused("DELETE FROM sicantik_audit_event WHERE id = %s", [self.event.id])
        self._refused("TRUNCATE sicantik_audit_event")
        self.env.cr.execute(
            "SELECT summary FROM sicantik_audit_event WHERE id = %s", [self.event.id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], "protected")

    def test_pending_event_content_cannot_change(self):
        """Before it is sealed an event is as protected: only its empty chain
        columns may be filled in, once, with the content unchanged."""
        self.assertFalse(self.pending.sequence)
        self._refused(
            "UPDATE sicantik_audit_event SET summary = 'x' WHERE id = %s",
            [self.pending.id],
        )
        self._refused(
            "UPDATE sicantik_audit_event SET summary = 'x', sequence = 999999,"
            " prev_hash = 'p', hash = 'h' WHERE id = %s",
            [self.pending.id],
        )
        self._refused(
            "UPDATE sicantik_audit_event SET sequence = 999999 WHERE id = %s",
            [self.pending.id],
        )
        self._refused(
            "DELETE FROM sicantik_audit_event WHERE id = %s", [self.pending.id]
        )
        self.assertEqual(self.Event._audit_seal(), 1)
        self.env.invalidate_all()
        self.assertEqual(self.pending.sequence, self.event.sequence + 1)
        self.assertEqual(self.pending.prev_hash, self.event.hash)
        # Sealed once: the links cannot be rewritten either.
        self._refused(
            "UPDATE sicantik_audit_event SET hash = %s WHERE id = %s",
            ["0" * 64, self.pending.id],
        )

    def test_purge_flag_alone_does_not_open_the_door(self):
        """The retention door needs a checkpoint covering the rows, not just
        the session flag an administrator could set by hand."""
        self.env.cr.execute(
            "SELECT set_config('sicantik_audit.purge_upto', %s, true)",
            [str(self.event.sequence)],
        )
        try:
            self._refused(
                "DELETE FROM sicantik_audit_event WHERE id = %s", [self.event.id]
            )
        finally:
            self.env.cr.execute(
                "SELECT set_config('sicantik_audit.purge_upto', '', true)"
            )

    def test_checkpoints_are_append_only(self):
        Checkpoint = self.env["sicantik.audit.checkpoint"].sudo()
        with self.assertRaises(UserError):
            Checkpoint.create({"upto_sequence": 1})
        # Inserting stays possible (that is how retention records one).
        self.env.cr.execute(
            "INSERT INTO sicantik_audit_checkpoint (upto_sequence, hash)"
            " VALUES (0, 'genesis-test')"
        )
        self._refused("UPDATE sicantik_audit_checkpoint SET hash = 'x'")
        self._refused("DELETE FROM sicantik_audit_checkpoint")
        self._refused("TRUNCATE sicantik_audit_checkpoint")

    def test_guards_reinstall_idempotently(self):
        self.Event._audit_install_guards()
        self.Event._audit_install_guards()
        self._refused("DELETE FROM sicantik_audit_event WHERE id = %s", [self.event.id])
