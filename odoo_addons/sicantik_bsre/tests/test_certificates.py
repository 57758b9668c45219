"""Certificate status: one BSrE call per signing, and the daily watch.

The BSrE sandbox is the witness: its call log counts the status calls it
received, and its status knob (``/_sandbox/users/<nik>/status``) expires or
revokes a certificate over real HTTP, as BSrE would under an existing account.
"""

from datetime import timedelta

from odoo import fields
from odoo.tests import Form, new_test_user, tagged

from .common import ISSUE_NIK, ISSUE_PASSPHRASE, BsreCase


@tagged("post_install", "-at_install")
class TestCertificates(BsreCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bsre_admin = new_test_user(
            cls.env,
            login="bsre_cert_admin",
            name="Admin Sertifikat",
            email="admin.sertifikat@example.go.id",
            groups="sicantik_base.group_admin",
        )
        cls.official.sudo().write(
            {"email": "budi.santoso@example.go.id", "lang": "en_US"}
        )

    def setUp(self):
        super().setUp()
        self.addCleanup(self.sandbox.reset)
        self.certificates = self.env["sicantik.bsre.certificate"].sudo()
        # Start from "never checked" whatever an earlier test recorded.
        self.certificates.search([]).unlink()

    def status_calls(self):
        return [
            call
            for call in self.sandbox.log()
            if call["endpoint"] in ("v1.status", "v2.status")
        ]

    def set_status(self, nik, status):
        response = self.sandbox.session.post(
            f"{self.sandbox.url}/_sandbox/users/{nik}/status",
            json={"status": status},
            timeout=10,
        )
        response.raise_for_status()

    def sign_through_the_dialog(self, request):
        """Open the dialog (defaults), save it, sign: what the browser does."""
        wizards = (
            self.env["sicantik.sign.wizard"]
            .with_user(self.official)
            .with_context(default_request_ids=[(6, 0, request.ids)])
        )
        form = Form(wizards)
        self.assertTrue(form.can_sign)
        wizard = form.save()
        wizard._action_sign(passphrase=ISSUE_PASSPHRASE)
        request.invalidate_recordset()
        self.assertEqual(request.state, "signed", request.error_message)

    def age(self, user, hours=21):
        cert = self.certificates.search([("user_id", "=", user.id)])
        cert.checked_at = fields.Datetime.now() - timedelta(hours=hours)
        return cert

    def test_one_status_call_per_signing(self):
        first, second = self.make_request(), self.make_request()
        self.sandbox.session.delete(
            self.sandbox.url + "/_sandbox/log", timeout=10
        ).raise_for_status()
        self.sign_through_the_dialog(first)
        calls = self.status_calls()
        self.assertEqual(len(calls), 1, calls)
        self.assertEqual(calls[0]["nik"], ISSUE_NIK)
        cert = self.certificates.search([("user_id", "=", self.official.id)])
        self.assertEqual(cert.status, "ISSUE")
        self.assertTrue(cert.checked_at)
        # A second signing right after reuses the fresh ISSUE answer.
        self.sign_through_the_dialog(second)
        self.assertEqual(len(self.status_calls()), 1)
        # Once the answer is old, the next dialog asks again (once).
        cert.checked_at = fields.Datetime.now() - timedelta(minutes=20)
        third = self.make_request()
        self.sign_through_the_dialog(third)
        self.assertEqual(len(self.status_calls()), 2)

    def test_a_refusal_is_never_reused(self):
        """EXPIRED is asked again at every dialog: a renewed certificate signs
        at once (no stale refusal)."""
        request = self.make_request()
        self.set_status(ISSUE_NIK, "EXPIRED")
        wizard = self.make_wizard(request)
        self.assertFalse(wizard.can_sign)
        self.assertEqual(wizard.certificate_status, "EXPIRED")
        self.set_status(ISSUE_NIK, "ISSUE")
        self.sign_through_the_dialog(request)

    def test_watch_warns_official_and_admins(self):
        Mail = self.env["mail.mail"].sudo()
        mails_before = Mail.search([]).ids
        watch = self.env["sicantik.bsre.certificate"]._cron_watch
        self.assertGreaterEqual(watch(), 2)  # the ISSUE and the EXPIRED official
        cert = self.certificates.search([("user_id", "=", self.official.id)])
        self.assertEqual(cert.status, "ISSUE")
        self.assertFalse(cert.activity_ids)
        expired = self.certificates.search([("user_id", "=", self.expired_official.id)])
        self.assertEqual(expired.status, "EXPIRED")
        # Asked today: the next run leaves them alone.
        calls = len(self.status_calls())
        watch()
        self.assertEqual(len(self.status_calls()), calls)

        # BSrE expires Budi's certificate; the next daily run sees it.
        self.set_status(ISSUE_NIK, "EXPIRED")
        self.age(self.official)
        watch()
        self.assertEqual(cert.status, "EXPIRED")
        self.assertTrue(cert.changed_at)
        warned = cert.activity_ids.user_id
        self.assertIn(self.official, warned)
        self.assertIn(self.bsre_admin, warned)
        self.assertEqual(
            cert.activity_ids.activity_type_id,
            self.env.ref("mail.mail_activity_data_warning"),
        )
        mail = Mail.search(
            [("id", "not in", mails_before), ("model", "=", cert._name)]
        ).filtered(lambda m: m.res_id == cert.id)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.subject, "Sertifikat BSrE Budi Santoso: EXPIRED")
        self.assertIn("tidak dapat menandatangani", mail.body_html)
        self.assertIn(self.official.partner_id, mail.recipient_ids)
        self.assertIn(self.bsre_admin.partner_id, mail.recipient_ids)
        self.assertTrue(
            self.env["sicantik.audit.event"]
            .sudo()
            .search([("action", "=", "bsre.certificate"), ("res_id", "=", cert.id)])
        )

        # The same status the next day: no second warning.
        self.age(self.official)
        watch()
        self.assertEqual(len(cert.activity_ids), len(warned))

        # REVOKE: warned again; back to ISSUE: warnings closed.
        self.set_status(ISSUE_NIK, "REVOKE")
        self.age(self.official)
        watch()
        self.assertEqual(cert.status, "REVOKE")
        self.assertEqual(len(cert.activity_ids), 2 * len(warned))
        self.set_status(ISSUE_NIK, "ISSUE")
        self.age(self.official)
        watch()
        self.assertEqual(cert.status, "ISSUE")
        self.assertFalse(cert.activity_ids)

    def test_watch_stops_when_bsre_is_down(self):
        self.sandbox.faults(fail_next={"*": 50})
        self.assertEqual(self.env["sicantik.bsre.certificate"]._cron_watch(), 0)
        self.assertFalse(self.certificates.search([("status", "!=", False)]))

    def test_who_sees_the_status(self):
        self.env["sicantik.bsre.certificate"]._cron_watch()
        official = self.official.with_user(self.official)
        self.assertEqual(official.bsre_certificate_status, "ISSUE")
        self.assertTrue(official.bsre_certificate_checked_at)
        # own preferences (the fields are self-readable)
        values = official.read(["bsre_certificate_status"])[0]
        self.assertEqual(values["bsre_certificate_status"], "ISSUE")
        admin_view = self.official.with_user(self.bsre_admin)
        self.assertEqual(admin_view.bsre_certificate_status, "ISSUE")
        for other in (self.expired_official, self.petugas):
            seen = self.official.with_user(other)
            self.assertFalse(seen.bsre_certificate_status)
        Certificates = self.env["sicantik.bsre.certificate"]
        self.assertEqual(
            Certificates.with_user(self.official).search([]).user_id, self.official
        )
        self.assertGreaterEqual(
            Certificates.with_user(self.bsre_admin).search_count([]), 2
        )
        self.assertFalse(Certificates.with_user(self.petugas).has_access("read"))
