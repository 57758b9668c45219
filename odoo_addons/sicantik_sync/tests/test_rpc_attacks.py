"""Issue #12 as attacks: the RPC calls an officer (or an admin) can send.

The report: ``POST /web/dataset/call_kw/sicantik.sync/run_batch`` with
``{"url": "mysql+pymysql://a:b@127.0.0.1:3399/x?local_infile=1"}`` made the
server connect to the attacker's port and record a failed run.  Each test
sends that call (or its siblings) through the same door as the web client
(:func:`.common.rpc`), with a real listening socket standing in for the rogue
MySQL server, and checks three things: the call is refused, the socket saw no
connection, and no sync run was recorded.
"""

import os

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import RogueServer, configured_url, db_url, rpc


@tagged("post_install", "-at_install")
class TestSyncRpcAttacks(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env, login="rpc_officer", groups="sicantik_base.group_petugas"
        )
        cls.pejabat = new_test_user(
            cls.env, login="rpc_pejabat", groups="sicantik_base.group_pejabat"
        )
        cls.auditor = new_test_user(
            cls.env, login="rpc_auditor", groups="sicantik_base.group_auditor"
        )
        cls.admin = new_test_user(
            cls.env, login="rpc_admin", groups="sicantik_base.group_admin"
        )

    def setUp(self):
        super().setUp()
        self.rogue = RogueServer()
        self.addCleanup(self.rogue.close)
        self.runs_before = self.env["sicantik.sync.run"].search_count([])

    def as_user(self, user):
        return self.env(user=user)

    def assertNothingHappened(self):
        self.assertEqual(self.rogue.connections(), 0, "the server connected out")
        self.assertEqual(
            self.env["sicantik.sync.run"].search_count([]),
            self.runs_before,
            "a sync run was recorded",
        )

    def test_officer_run_batch_with_url_is_refused(self):
        """The exact call of the report, as the officer who sent it."""
        env = self.as_user(self.officer)
        for method in ("run_batch", "run_cycle"):
            with self.subTest(method=method), self.assertRaises(AccessError):
                rpc(env, "sicantik.sync", method, [], {"url": self.rogue.url()})
        with self.assertRaises(AccessError):
            rpc(env, "sicantik.sync", "run_batch", ["sync", self.rogue.url()])
        self.assertNothingHappened()

    def test_other_roles_cannot_run_the_sync(self):
        for user in (self.officer, self.pejabat, self.auditor):
            env = self.as_user(user)
            for method in ("run_batch", "run_cycle", "action_run_now"):
                with self.subTest(user=user.login, method=method):
                    with self.assertRaises(AccessError):
                        rpc(env, "sicantik.sync", method)
        self.assertNothingHappened()

    def test_admin_cannot_pass_a_url_either(self):
        env = self.as_user(self.admin)
        for method in ("run_batch", "run_cycle"):
            with self.subTest(method=method):
                with self.assertRaises(TypeError):
                    rpc(env, "sicantik.sync", method, [], {"url": self.rogue.url()})
                with self.assertRaises(TypeError):
                    rpc(env, "sicantik.sync", method, ["sync", self.rogue.url()])
        with self.assertRaises(ValueError):
            rpc(env, "sicantik.sync", "run_batch", [self.rogue.url()])
        self.assertNothingHappened()

    def test_private_helpers_are_not_callable(self):
        """``_source_url`` and the batch internals are not RPC endpoints."""
        env = self.as_user(self.admin)
        for method, args in (
            ("_source_url", []),
            ("_cron_sync", []),
            ("_import", []),
        ):
            with self.subTest(method=method), self.assertRaises(AccessError):
                rpc(env, "sicantik.sync", method, args, {"url": self.rogue.url()})
        state = self.env["sicantik.sync.state"]
        for method in ("get_state", "get_states", "snapshot"):
            with self.subTest(method=method), self.assertRaises(AttributeError):
                rpc(env, state._name, method, [["permit"]])
        self.assertNothingHappened()

    @mute_logger("odoo.addons.sicantik_sync.models.sicantik_sync")
    def test_configured_url_with_local_infile_is_refused_before_connecting(self):
        """Even the deployment cannot turn LOCAL INFILE on: a failed run, no socket."""
        with configured_url(self.rogue.url("local_infile=1")):
            result = rpc(self.as_user(self.admin), "sicantik.sync", "run_batch")
        self.assertEqual(result["status"], "failed")
        self.assertIn("local_infile", result["run"].error)
        self.assertNotIn("a:b", result["run"].error)
        self.assertEqual(self.rogue.connections(), 0)

    @mute_logger("odoo.addons.sicantik_sync.models.sicantik_sync")
    def test_configured_account_that_can_write_is_refused(self):
        """An operator configuring root (FILE, writes) gets a failed run, no import."""
        database = os.environ.get("SICANTIK_MYSQL_DATABASE")
        if not database:
            self.skipTest("no harness SICANTIK database exported")
        permits = self.env["sicantik.permit"].search_count([])
        with configured_url(db_url(database)):
            result = rpc(self.as_user(self.admin), "sicantik.sync", "run_batch")
        self.assertEqual(result["status"], "failed")
        self.assertIn("more than read", result["run"].error)
        self.assertIn("GRANT OPTION", result["run"].error)
        self.assertEqual(self.env["sicantik.permit"].search_count([]), permits)

    def test_health_is_for_admins_and_auditors(self):
        for user in (self.admin, self.auditor):
            self.assertIn(
                "lag_minutes", rpc(self.as_user(user), "sicantik.sync", "health")
            )
        for user in (self.officer, self.pejabat):
            with self.assertRaises(AccessError):
                rpc(self.as_user(user), "sicantik.sync", "health")

    def test_reconcile_takes_no_url_and_needs_an_admin(self):
        wizard = self.env["sicantik.sync.reconcile"].create({})
        with self.assertRaises(TypeError):
            rpc(
                self.as_user(self.admin),
                "sicantik.sync.reconcile",
                "action_run",
                [wizard.ids],
                {"url": self.rogue.url()},
            )
        for user in (self.officer, self.auditor):
            with self.assertRaises(AccessError):
                rpc(self.as_user(user), wizard._name, "action_run", [wizard.ids])
        self.assertEqual(wizard.state, "draft")
        self.assertNothingHappened()

    def test_run_summary_is_not_an_endpoint(self):
        run = (
            self.env["sicantik.sync.run"]
            .sudo()
            .create({"kind": "sync", "state": "failed"})
        )
        with self.assertRaises(AccessError):
            rpc(self.as_user(self.officer), run._name, "_summary", [run.ids])
