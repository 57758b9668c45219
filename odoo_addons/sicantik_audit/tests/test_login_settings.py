import json

from odoo.exceptions import AccessDenied
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import last_committed_events


@tagged("post_install", "-at_install")
class TestLoginFailures(TransactionCase):
    def _authenticate(self, login, password):
        credential = {"type": "password", "login": login, "password": password}
        return self.env["res.users"].authenticate(
            self.env.cr.dbname, credential, {"interactive": False}
        )

    @mute_logger("odoo.addons.base.models.res_users")
    def test_wrong_password_logged_without_password(self):
        password = "not-the-password-42"
        with self.assertRaises(AccessDenied):
            self._authenticate("admin", password)
        (event,) = last_committed_events(self.registry, "login.failed")
        self.assertEqual(event["actor_type"], "public")
        self.assertEqual(event["actor_login"], "admin")
        self.assertEqual(event["res_model"], "res.users")
        self.assertNotIn(password, event["details"])
        self.assertNotIn(password, event["summary"])
        self.assertEqual(json.loads(event["details"])["login"], "admin")

    @mute_logger("odoo.addons.base.models.res_users")
    def test_unknown_login_is_not_stored(self):
        """A password typed into the login field must not enter the trail."""
        typed = "Sup3r-Secret-typed-as-login"
        with self.assertRaises(AccessDenied):
            self._authenticate(typed, "whatever")
        (event,) = last_committed_events(self.registry, "login.failed")
        self.assertNotIn(typed, event["details"])
        self.assertNotIn(typed, event["summary"])
        self.assertFalse(event["actor_login"])
        self.assertIn("unknown_login_sha256", json.loads(event["details"]))


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
