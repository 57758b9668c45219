import json
from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestLoginFailures(HttpCase):
    """Failed logins are counted per source and window, then audited once.

    HttpCase: the login's own cursor is the test's (test mode), so nothing is
    committed and the counters start empty.
    """

    def setUp(self):
        super().setUp()
        self.Failure = self.env["sicantik.audit.login.failure"]
        self.Event = self.env["sicantik.audit.event"]
        self.Failure._audit_flush(now=datetime(2999, 1, 1))

    def _events(self):
        return self.Event.search([("action", "=", "login.failed")])

    def _web_login(self, login, password):
        """The attack: the JSON login route, as a password-guessing bot."""
        response = self.url_open(
            "/web/session/authenticate",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "params": {
                        "db": self.env.cr.dbname,
                        "login": login,
                        "password": password,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertIn("error", response.json())

    @mute_logger("odoo.addons.base.models.res_users", "odoo.http")
    def test_guessing_writes_one_event_per_source_and_window(self):
        before = self._events()
        for attempt in range(12):
            self._web_login("admin", f"guess-{attempt}")
        self._web_login("Sup3r-Secret-typed-as-login", "whatever")
        self.assertEqual(self._events(), before, "no event per try")
        counters = self.Failure.search([])
        self.assertEqual(sum(counters.mapped("attempts")), 13)
        self.assertEqual(len(set(counters.mapped("source_key"))), 1)
        self.assertEqual(len(counters[0].source_key), 64, "salted hash, not the IP")
        # The window has not closed: nothing is written yet.
        self.assertEqual(self.Failure._audit_flush(), 0)
        written = self.Failure._audit_flush(
            now=fields.Datetime.now() + timedelta(hours=1)
        )
        self.assertEqual(written, 1)
        event = self._events() - before
        self.assertEqual(len(event), 1)
        details = json.loads(event.details)
        self.assertEqual(details["attempts"], 13)
        self.assertEqual(details["logins"], {"admin": 12})
        self.assertEqual(details["unknown_login_attempts"], 1)
        self.assertEqual(details["source_key"], counters[0].source_key)
        self.assertNotIn("guess-", event.details + event.summary)
        self.assertNotIn("Sup3r-Secret", event.details + event.summary)
        self.assertNotIn("127.0.0.1", event.details + (event.ip or ""))
        self.assertFalse(self.Failure.search([]), "audited counters are gone")
        self.assertEqual(self.Failure._audit_flush(now=datetime(2999, 1, 1)), 0)

    @mute_logger("odoo.addons.base.models.res_users")
    def test_windows_are_separate_events(self):
        user = self.env.ref("base.user_admin")
        start = datetime(2026, 1, 1, 8, 3)
        for minutes in (0, 1, 2, 15):
            self.Failure._audit_count(
                self.env.cr, "a" * 64, user, now=start + timedelta(minutes=minutes)
            )
        self.Failure._audit_count(self.env.cr, "b" * 64, user, now=start)
        before = self._events()
        self.assertEqual(self.Failure._audit_flush(now=start + timedelta(hours=1)), 3)
        attempts = sorted(
            json.loads(event.details)["attempts"] for event in self._events() - before
        )
        self.assertEqual(attempts, [1, 1, 3])

    def test_outside_a_request_the_source_is_unknown(self):
        """An attempt without HTTP request (XML-RPC-less code paths, tests)
        is counted under the ``unknown`` source, never a made-up one."""
        credential = {"type": "password", "login": "admin", "password": "x-42"}
        type(self.env["res.users"])._sicantik_audit_login_failed(credential)
        counter = self.Failure.search([("login", "=", "admin")])
        self.assertEqual((counter.source_key, counter.attempts), ("unknown", 1))


@tagged("post_install", "-at_install")
class TestSettingsChanges(TransactionCase):
    def test_settings_change_logged(self):
        params = self.env["ir.config_parameter"].sudo()
        old_name = params.get_param("sicantik_base.office_name")
        form = self.env["res.config.settings"].create(
            {
                "sicantik_office_name": "DPMPTSP Kota Contoh",
                "sicantik_audit_retention_days": 400,
            }
        )
        form.execute()
        event = self.env["sicantik.audit.event"].search(
            [("action", "=", "config.change")], limit=1
        )
        self.assertTrue(event)
        changes = json.loads(event.details)["changes"]
        self.assertEqual(changes["sicantik_office_name"]["new"], "DPMPTSP Kota Contoh")
        self.assertEqual(changes["sicantik_office_name"]["old"], old_name)
        self.assertEqual(changes["sicantik_audit_retention_days"]["new"], "400")
        self.assertEqual(event.actor_type, "system")

    def test_unchanged_settings_not_logged(self):
        self.env["res.config.settings"].create({}).execute()
        before = self.env["sicantik.audit.event"].search_count(
            [("action", "=", "config.change")]
        )
        self.env["res.config.settings"].create({}).execute()
        after = self.env["sicantik.audit.event"].search_count(
            [("action", "=", "config.change")]
        )
        self.assertEqual(before, after)
