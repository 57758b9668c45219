"""Odoo's database role cannot switch the guards off (issue #12 part 4).

The audit tables are locked down with the superuser DSN the administrator
gives the command (``SICANTIK_AUDIT_LOCKDOWN_DSN``); then every rewrite path
the table owner had is tried *as Odoo's role*, on Odoo's own cursor, the way a
server action or a shell would: each is refused by PostgreSQL.  The tables are
given back afterwards so that later tests may simulate tampering.
"""

import os

import psycopg2

from odoo.modules.registry import Registry
from odoo.tests import TransactionCase, get_db_name, tagged
from odoo.tools import mute_logger

from odoo.addons.sicantik_base.lib import settings

from ..lib import lockdown
from ..models.audit_event import owns_audit_tables


def _superuser(dbname):
    conn = psycopg2.connect(settings.get("audit_lockdown_dsn"), dbname=dbname)
    return conn


@tagged("post_install", "-at_install")
class TestLockdown(TransactionCase):
    @classmethod
    def setUpClass(cls):
        if not settings.get("audit_lockdown_dsn"):
            raise cls.skipException(
                "SICANTIK_AUDIT_LOCKDOWN_DSN (a superuser DSN) is not set"
            )
        dbname = get_db_name()
        with Registry(dbname).cursor() as cr:
            cr.execute("SELECT current_user")
            cls.app_role = cr.fetchone()[0]
        # Before this class's cursor touches the tables (the superuser's
        # ALTER TABLE would wait for its locks); given back after it closed.
        # A throw-away owner role: roles are cluster-wide, so the test must
        # not leave (or reuse) the production one.
        cls.owner_role = f"sicantik_audit_owner_test_{os.getpid()}"
        conn = _superuser(dbname)
        try:
            cls.report = lockdown.lockdown(conn, cls.app_role, cls.owner_role)
        finally:
            conn.close()
        cls.addClassCleanup(cls._unlock, dbname)
        super().setUpClass()
        cls.Event = cls.env["sicantik.audit.event"]

    @classmethod
    def _unlock(cls, dbname):
        conn = _superuser(dbname)
        try:
            lockdown.unlock(conn, cls.app_role, cls.owner_role)
            with conn.cursor() as cur:
                cur.execute(f'DROP OWNED BY "{cls.owner_role}"')
                cur.execute(f'DROP ROLE "{cls.owner_role}"')
            conn.commit()
        finally:
            conn.close()

    def _refused(self, sql, params=None):
        with (
            self.assertRaises(psycopg2.Error) as caught,
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(sql, params)
        return str(caught.exception)

    def test_owner_role_is_not_odoo(self):
        self.assertFalse(owns_audit_tables(self.env.cr))
        self.env.cr.execute(
            "SELECT pg_has_role(current_user, %s, 'MEMBER')", [self.owner_role]
        )
        self.assertFalse(self.env.cr.fetchone()[0])

    def test_disable_trigger_as_odoo_role(self):
        message = self._refused("ALTER TABLE sicantik_audit_event DISABLE TRIGGER USER")
        self.assertIn("must be owner", message)
        self._refused("ALTER TABLE sicantik_audit_event DISABLE TRIGGER ALL")
        self._refused("ALTER TABLE sicantik_audit_checkpoint DISABLE TRIGGER USER")
        self._refused("ALTER TABLE sicantik_audit_event OWNER TO current_user")

    def test_replace_or_drop_the_guard_as_odoo_role(self):
        self._refused(
            "CREATE OR REPLACE FUNCTION sicantik_audit_event_guard()"
            " RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        self._refused("DROP TRIGGER sicantik_audit_event_guard ON sicantik_audit_event")
        # Odoo's role owns schema public: without the event trigger it could
        # drop what it does not own.
        message = self._refused("DROP FUNCTION sicantik_audit_event_guard() CASCADE")
        self.assertIn("locked down", message)
        message = self._refused("DROP TABLE sicantik_audit_event")
        self.assertIn("locked down", message)
        self._refused("DROP TABLE sicantik_audit_checkpoint")
        self._refused("DROP EVENT TRIGGER sicantik_audit_no_drop")
        self._refused("TRUNCATE sicantik_audit_event")
        self._refused("UPDATE sicantik_audit_meta SET namespace = 'elsewhere'")
        self._refused("ALTER TABLE sicantik_audit_meta DISABLE TRIGGER USER")
        self._refused("DROP TABLE sicantik_audit_meta")

    def test_copy_to_program_as_odoo_role(self):
        self._refused("COPY (SELECT 1) TO PROGRAM 'true'")

    def test_rewrite_refused_while_logging_works(self):
        event = self.Event.log("sync.run", "after lockdown")
        self.assertGreaterEqual(self.Event._audit_seal(), 1)
        self.env.invalidate_all()
        self.assertTrue(event.hash)
        self._refused(
            "UPDATE sicantik_audit_event SET summary = 'x' WHERE id = %s", [event.id]
        )
        self._refused("DELETE FROM sicantik_audit_event WHERE id = %s", [event.id])
        self.assertTrue(self.Event._audit_verify_chain(anchors=False)["ok"])

    def test_module_update_tolerates_lockdown(self):
        """``-u sicantik_audit`` re-runs the models' setup as Odoo's role."""
        self.env.registry.init_models(
            self.env.cr,
            [
                "sicantik.audit.event",
                "sicantik.audit.checkpoint",
                "sicantik.audit.login.failure",
            ],
            {"module": "sicantik_audit"},
        )
        self.assertFalse(owns_audit_tables(self.env.cr))

    def test_lockdown_refuses_a_superuser_app_role(self):
        conn = _superuser(self.env.cr.dbname)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT current_user")
                superuser = cur.fetchone()[0]
            with self.assertRaises(lockdown.LockdownError):
                lockdown.lockdown(conn, superuser)
        finally:
            conn.close()
