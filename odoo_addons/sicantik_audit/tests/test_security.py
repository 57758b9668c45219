"""Attacks on the audit trail's RPC surface and actor (issue #12 parts 1, 3).

Each test is the attack as an officer would run it: JSON-RPC with a session
of their own, or ``call_kw`` as their user, arguments and context of their
choosing.
"""

import hashlib
import hmac
import json
import os
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.service.model import get_public_method
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.sicantik_base.tests.common import make_role_users

from ..cli.sicantik_audit import CLI_NAME, run_action

FORGED_ACTOR = {"type": "user", "uid": 2, "login": "admin", "name": "Administrator"}


@tagged("post_install", "-at_install")
class TestForgeOverJsonRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = make_role_users(cls.env)

    def _call_kw(self, model, method, args, kwargs=None):
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": kwargs or {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    @mute_logger("odoo.http")
    def test_officer_cannot_forge_a_sealed_approval(self):
        """The attack of the issue, verbatim: refused, nothing stored."""
        self.authenticate("sicantik_petugas", "sicantik_petugas")
        Event = self.env["sicantik.audit.event"]
        before = Event.search_count([])
        reply = self._call_kw(
            "sicantik.audit.event",
            "log",
            ["sign.approve"],
            {"summary": "Administrator approved", "actor": FORGED_ACTOR},
        )
        self.assertIn("error", reply)
        self.assertIn("Private methods", reply["error"]["data"]["message"])
        self.assertEqual(Event.search_count([]), before)
        # Not as the auditor (who may read the trail) either.
        self.authenticate("sicantik_auditor", "sicantik_auditor")
        reply = self._call_kw(
            "sicantik.audit.event", "log", ["sign.approve"], {"summary": "x"}
        )
        self.assertIn("error", reply)
        self.assertEqual(Event.search_count([]), before)

    @mute_logger("odoo.http")
    def test_orm_create_refused_over_rpc(self):
        self.authenticate("sicantik_auditor", "sicantik_auditor")
        reply = self._call_kw(
            "sicantik.audit.event",
            "create",
            [[{"action": "sign.approve", "actor_login": "admin"}]],
        )
        self.assertEqual(
            reply["error"]["data"]["name"], "odoo.exceptions.AccessError", reply
        )

    def test_actor_is_the_session_user_whatever_the_context(self):
        """A button that logs records the session's user even when the caller
        claims, in its context, to be a scheduled action."""
        self.authenticate("sicantik_auditor", "sicantik_auditor")
        cron = self.env.ref("sicantik_audit.ir_cron_audit_verify")
        reply = self._call_kw(
            "sicantik.audit.event",
            "action_verify_chain",
            [],
            {"context": {"cron_id": cron.id, "uid": 1}},
        )
        self.assertNotIn("error", reply)
        event = self.env["sicantik.audit.event"].search(
            [("action", "=", "audit.verify")], limit=1
        )
        self.assertEqual(event.actor_type, "user")
        self.assertEqual(event.actor_login, "sicantik_auditor")
        self.assertEqual(event.actor_uid, self.users["auditor"].id)
        self.assertEqual(event.ip, "127.0.0.1")

    @mute_logger("odoo.http")
    def test_petugas_cannot_verify_or_export(self):
        self.authenticate("sicantik_petugas", "sicantik_petugas")
        for method, args in (("action_verify_chain", []), ("action_export_csv", [[]])):
            reply = self._call_kw("sicantik.audit.event", method, args)
            self.assertEqual(
                reply["error"]["data"]["name"], "odoo.exceptions.AccessError", method
            )

    def test_scheduler_is_the_cron_actor(self):
        """The real scheduler entry point (``_run_job``) marks its events."""
        cron = self.env["ir.cron"].create(
            {
                "name": "Audit actor probe",
                "model_id": self.env.ref(
                    "sicantik_audit.model_sicantik_audit_event"
                ).id,
                "state": "code",
                "code": "model.log('sync.run', 'from the scheduler')",
                "user_id": self.env.ref("base.user_root").id,
                "interval_number": 1,
                "interval_type": "days",
                "active": False,
            }
        )
        job = {
            "id": cron.id,
            "cron_name": cron.cron_name,
            "user_id": cron.user_id.id,
            "lastcall": None,
            "ir_actions_server_id": cron.ir_actions_server_id.id,
            "timed_out_counter": 0,
        }
        self.env.flush_all()
        type(self.env["ir.cron"])._run_job(job)
        event = self.env["sicantik.audit.event"].search(
            [("summary", "=", "from the scheduler")], limit=1
        )
        self.assertEqual(event.actor_type, "cron")
        self.assertEqual(event.actor_name, "Audit actor probe")


@tagged("post_install", "-at_install")
class TestActorDerivation(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = make_role_users(cls.env)
        cls.Event = cls.env["sicantik.audit.event"]

    def test_log_is_private_for_call_kw(self):
        """What ``/web/dataset/call_kw`` asks before calling anything."""
        model = self.Event.with_user(self.users["admin"])
        with self.assertRaises(AccessError):
            get_public_method(model, "log")

    def test_context_cannot_make_a_cron(self):
        cron = self.env.ref("sicantik_audit.ir_cron_audit_verify")
        event = (
            self.Event.with_user(self.users["petugas"])
            .with_context(cron_id=cron.id)
            .log("sync.run", "batch")
            .sudo()
        )
        self.assertEqual(event.actor_type, "user")
        self.assertEqual(event.actor_login, "sicantik_petugas")

    def test_actor_argument_is_gone(self):
        with self.assertRaises(TypeError):
            self.Event.log("sign.approve", actor=FORGED_ACTOR)

    def test_command_line_actor(self):
        status, report = run_action(self.env, "seal")
        self.assertEqual(status, 0, report)
        run_action(self.env, "verify")
        event = self.Event.search([("action", "=", "audit.verify")], limit=1)
        self.assertEqual((event.actor_type, event.actor_name), ("system", CLI_NAME))
        # Outside of the command the flag is gone again.
        event = self.Event.with_user(self.users["admin"]).log("sync.run", "after")
        self.assertEqual(event.sudo().actor_login, "sicantik_admin")

    def test_checkpoint_context_switch_is_gone(self):
        """The old ``sicantik_audit_retention`` context key opened checkpoint
        creation to any caller with create rights, superuser included."""
        with self.assertRaises(AccessError):
            self.env["sicantik.audit.checkpoint"].with_context(
                sicantik_audit_retention=True
            ).create({"from_sequence": 1, "upto_sequence": 10**6, "hash": "0" * 64})

    def test_empty_batches(self):
        """Odoo's own TestOverrides: every model takes empty batches."""
        for name in ("sicantik.audit.event", "sicantik.audit.checkpoint"):
            model = self.env[name]
            self.assertEqual(model.create([]), model.browse())
            self.assertIs(model.browse().unlink(), True)
            self.assertIs(model.browse().write({}), True)
            # Not a way around the refusal for anybody else.
            with self.assertRaises(AccessError):
                model.with_user(self.users["auditor"]).create([])
            with self.assertRaises(AccessError):
                model.with_user(self.users["auditor"]).browse().unlink()
        event = self.Event.log("sync.run", "kept")
        with self.assertRaises(AccessError):
            event.unlink()
        with self.assertRaises(AccessError):
            event.write({"summary": "changed"})

    def test_no_salt_no_fallback(self):
        """Without ``audit_salt`` no visitor key is derived from the database
        secret an administrator can read; the health check says so."""
        with (
            patch.dict(os.environ, {"SICANTIK_AUDIT_SALT": ""}),
            mute_logger("odoo.addons.sicantik_audit.models.audit_event"),
        ):
            self.assertIsNone(self.Event._audit_visitor_key("203.0.113.7"))
            check = self.env["sicantik.health"]._health_checks()["audit_salt"]
            self.assertFalse(check["ok"], check)
        self.assertTrue(
            self.env["sicantik.health"]._health_checks()["audit_salt"]["ok"]
        )
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        guessed = hmac.new(
            f":{secret}".encode(), b"203.0.113.7", hashlib.sha256
        ).hexdigest()
        self.assertNotEqual(self.Event._audit_visitor_key("203.0.113.7"), guessed)
