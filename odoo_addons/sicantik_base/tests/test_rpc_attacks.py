"""The two calls that opened issue #12, replayed over real JSON-RPC.

An officer logged in through ``/web/login`` posts to Odoo's ordinary
``/web/dataset/call_kw`` endpoint, exactly as a browser console would.  The
first call once made the server connect to a MySQL address of the caller's
choosing (a rogue server can then read local files through ``LOAD DATA
LOCAL``); the second once stored a sealed audit event in the administrator's
name.  Both must now end with no connection made and nothing stored.
"""

import json

from odoo.tests import HttpCase, new_test_user, tagged

from .common import CountingListener


@tagged("post_install", "-at_install")
class TestRpcAttacks(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env,
            login="attack_petugas",
            password="attack-Petugas-pw1",
            groups="sicantik_base.group_petugas",
            email="attack_petugas@example.test",
        )

    def _call_kw(self, model, method, args, kwargs):
        self.authenticate("attack_petugas", "attack-Petugas-pw1")
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": kwargs,
            },
        }
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_officer_cannot_point_the_sync_at_another_server(self):
        if "sicantik.sync" not in self.env:
            self.skipTest("sicantik_sync is not installed")
        listener = CountingListener()
        self.addCleanup(listener.close)
        runs_before = self.env["sicantik.sync.run"].sudo().search_count([])
        url = f"mysql+pymysql://a:b@127.0.0.1:{listener.port}/x?local_infile=1"
        for method in ("run_batch", "run_cycle"):
            answer = self._call_kw("sicantik.sync", method, [], {"url": url})
            self.assertIn("error", answer, f"{method} accepted the call")
        self.assertEqual(listener.accepted, 0, "the server connected to the listener")
        self.assertEqual(
            self.env["sicantik.sync.run"].sudo().search_count([]), runs_before
        )

    def test_officer_cannot_forge_an_audit_event(self):
        if "sicantik.audit.event" not in self.env:
            self.skipTest("sicantik_audit is not installed")
        # sicantik_base does not depend on the audit addon: imported only here
        from odoo.addons.sicantik_audit.tests.common import (  # pylint: disable=import-outside-toplevel
            audit_events,
            trap_audit,
        )

        with trap_audit(self.env) as trap:
            answer = self._call_kw(
                "sicantik.audit.event",
                "log",
                ["sign.approve"],
                {
                    "summary": "Administrator approved",
                    "actor": {
                        "type": "user",
                        "uid": 2,
                        "login": "admin",
                        "name": "Administrator",
                    },
                },
            )
        self.assertIn("error", answer)
        self.assertFalse(audit_events(self.env, "sign.approve"))
        # a failed call may log the refusal itself, never the forged event
        forged = audit_events(self.env).filtered(
            lambda e: "administrator approved" in (e.summary or "").lower()
        )
        self.assertFalse(forged)
        self.assertLessEqual(len(trap.events()), 1)
