"""Notifications to the holder, against the WhatsApp gateway double over
real HTTP: each fault (down, 429, invalid number), backoff, quiet hours,
consent, delivery callbacks, templates and "nothing sent twice"."""

import json
from datetime import date, datetime, timedelta

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.sicantik_sync.tests.common import make_unit_users

from .common import APPLICANT_EMAIL, CALLBACK_SECRET, ApplicantCase

PHONE_E164 = "+6281377770001"


@tagged("post_install", "-at_install")
class TestNotifications(ApplicantCase):
    def queue_signed(self, permit=None):
        permit = permit or self.make_permit()
        return permit, self.Message._queue(permit, "signed")

    def whatsapp_of(self, messages):
        return messages.filtered(lambda m: m.channel == "whatsapp")

    def test_signed_permit_notifies_once_by_whatsapp_and_email(self):
        request = self.make_request()
        self.sign(request)
        permit = request.permit_id
        queued = self.due_messages(permit)
        self.assertEqual(sorted(queued.mapped("channel")), ["email", "whatsapp"])
        self.assertEqual(set(queued.mapped("event")), {"signed"})
        self.Message._send_pending()
        self.assertEqual(set(queued.mapped("state")), {"sent"})
        (sent,) = self.gateway.messages()
        self.assertEqual(sent["to"], PHONE_E164)
        self.assertIn(permit.sk_number, sent["payload"]["text"])
        self.assertIn("/status?no=" + permit.name, sent["payload"]["text"])
        wa = self.whatsapp_of(queued)
        self.assertEqual(wa.provider_message_id, sent["id"])
        self.assertEqual(wa.recipient, "+62813****0001")
        mail = queued.filtered(lambda m: m.channel == "email").mail_id
        self.assertEqual(mail.email_to, APPLICANT_EMAIL)
        self.assertIn("ditandatangani", mail.subject)
        # the same event again: nothing new is queued, nothing is sent
        self.assertFalse(self.Message._queue(permit, "signed"))
        self.Message._send_pending(now=self.later(60 * 24))
        self.assertEqual(len(self.gateway.messages()), 1)
        self.assertEqual(len(self.due_messages(permit)), 2)

    def test_gateway_down_is_retried_later(self):
        permit, queued = self.queue_signed()
        wa = self.whatsapp_of(queued)
        self.gateway.faults(down=True)
        start = datetime.now().replace(microsecond=0)
        self.Message._send_pending(now=start)
        self.assertEqual(wa.state, "queued")
        self.assertEqual(wa.attempts, 1)
        self.assertIn("503", wa.reason)
        self.assertEqual(wa.next_attempt_at, start + timedelta(seconds=300))
        self.gateway.faults(down=False)
        self.Message._send_pending(now=start + timedelta(seconds=60))
        self.assertEqual(wa.state, "queued", "not due yet")
        self.assertEqual(self.gateway.messages(), [])
        self.Message._send_pending(now=wa.next_attempt_at)
        self.assertEqual(wa.state, "sent")
        self.assertEqual(len(self.gateway.messages()), 1)

    def test_unreachable_gateway_gives_up_after_max_attempts(self):
        self.setting(whatsapp_url="http://127.0.0.1:9/send", whatsapp_max_attempts=2)
        _permit, queued = self.queue_signed()
        wa = self.whatsapp_of(queued)
        now = datetime.now().replace(microsecond=0)
        self.Message._send_pending(now=now)
        self.assertEqual((wa.state, wa.attempts), ("queued", 1))
        self.assertIn("unreachable", wa.reason)
        self.Message._send_pending(now=wa.next_attempt_at)
        self.assertEqual((wa.state, wa.attempts), ("failed", 2))
        self.assertIn("2", wa.reason)

    def test_rate_limited_waits_for_retry_after(self):
        _permit, queued = self.queue_signed()
        wa = self.whatsapp_of(queued)
        self.gateway.faults(rate_limit=1, retry_after=3600)
        now = datetime.now().replace(microsecond=0)
        self.Message._send_pending(now=now)
        self.assertEqual(wa.state, "queued")
        self.assertIn("429", wa.reason)
        self.assertEqual(wa.next_attempt_at, now + timedelta(seconds=3600))
        self.Message._send_pending(now=now + timedelta(seconds=600))
        self.assertEqual(wa.state, "queued")
        self.Message._send_pending(now=wa.next_attempt_at)
        self.assertEqual(wa.state, "sent")

    def test_number_refused_by_gateway_fails_with_reason(self):
        _permit, queued = self.queue_signed()
        wa = self.whatsapp_of(queued)
        self.gateway.faults(invalid=[PHONE_E164])
        self.Message._send_pending()
        self.assertEqual(wa.state, "failed")
        self.assertIn("not registered on WhatsApp", wa.reason)
        events = self.env["sicantik.audit.event"].search(
            [("action", "=", "applicant.notify"), ("res_id", "=", wa.permit_id.id)]
        )
        self.assertTrue(events)

    def test_invalid_phone_is_a_logged_failure(self):
        landline = self.env["sicantik.applicant"].create(
            {
                "sicantik_id": self.base_id + 80,
                "name": "Nomor Rumah",
                "phone": "061-456 7890",
                "whatsapp_consent": True,
            }
        )
        _permit, queued = self.queue_signed(self.make_permit(applicant_id=landline.id))
        self.Message._send_pending()
        self.assertEqual(queued.state, "failed")
        self.assertIn("seluler", queued.reason)
        self.assertEqual(self.gateway.attempts(), 0)

    def test_quiet_hours_hold_messages_until_morning(self):
        self.setting(whatsapp_quiet_hours="21:00-07:00")
        _permit, queued = self.queue_signed()
        wa = self.whatsapp_of(queued)
        # tomorrow 22:30 WIB (15:30 UTC), after the message was queued
        tomorrow = datetime.now() + timedelta(days=1)
        night = tomorrow.replace(hour=15, minute=30, second=0, microsecond=0)
        morning = night.replace(hour=0, minute=0) + timedelta(days=1)  # 07:00 WIB
        self.Message._send_pending(now=night)
        self.assertEqual(wa.state, "queued")
        self.assertEqual(wa.attempts, 0)
        self.assertEqual(wa.next_attempt_at, morning)
        self.assertEqual(self.gateway.attempts(), 0)
        email = queued - wa
        self.assertEqual(email.state, "sent", "e-mail is not held by quiet hours")
        self.Message._send_pending(now=morning)
        self.assertEqual(wa.state, "sent")

    def test_consent_and_opt_out(self):
        self.applicant.sudo().action_whatsapp_opt_out()
        self.addCleanup(self.applicant.sudo().action_whatsapp_consent)
        _permit, queued = self.queue_signed()
        self.assertEqual(queued.mapped("channel"), ["email"])
        self.applicant.sudo().action_email_opt_out()
        self.addCleanup(self.applicant.sudo().write, {"email_opt_out": False})
        _permit, queued = self.queue_signed()
        self.assertFalse(queued)
        petugas = self.applicant.with_user(self.petugas)
        petugas.action_whatsapp_consent()
        self.assertTrue(self.applicant.whatsapp_consent)
        self.assertFalse(self.applicant.whatsapp_opt_out)

    def test_delivery_callback_needs_the_secret(self):
        _permit, queued = self.queue_signed()
        wa = self.whatsapp_of(queued)
        self.Message._send_pending()
        body = json.dumps({"id": wa.provider_message_id, "status": "delivered"})
        refused = self.url_open(
            "/sicantik/whatsapp/status",
            data=body,
            headers={"Content-Type": "application/json", "X-Sicantik-Secret": "nope"},
        )
        self.assertEqual(refused.status_code, 403)
        self.assertEqual(wa.state, "sent")
        accepted = self.url_open(
            "/sicantik/whatsapp/status",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Sicantik-Secret": CALLBACK_SECRET,
            },
        )
        self.assertEqual(accepted.status_code, 200)
        self.assertEqual(accepted.json(), {"received": 1, "updated": 1})
        wa.invalidate_recordset()
        self.assertEqual(wa.state, "delivered")
        self.assertTrue(wa.delivered_at)

    def test_expiry_reminders_go_out_by_whatsapp_once_per_threshold(self):
        today = date(2026, 11, 27)
        permit = self.make_permit(
            is_issued=True, valid_until=today + timedelta(days=25)
        )
        self.env["sicantik.permit"]._send_expiry_notices(today=today)
        queued = self.due_messages(permit)
        self.assertEqual(queued.mapped("event"), ["expiry:30"])
        self.assertEqual(queued.mapped("channel"), ["whatsapp"])
        self.Message._send_pending()
        (sent,) = self.gateway.messages()
        self.assertIn("30 hari lagi", sent["payload"]["text"])
        self.env["sicantik.permit"]._send_expiry_notices(today=today)
        self.assertEqual(len(self.due_messages(permit)), 1)

    def test_status_changes_the_office_chose(self):
        permit = self.make_tracked_permit()
        self.assertFalse(self.Message._cron_status_changes())
        self.status_survey.sudo().notify_applicant = True
        queued = self.Message._cron_status_changes(days=10_000)
        mine = queued.filtered(lambda m: m.permit_id == permit)
        self.assertEqual(
            set(mine.mapped("event")), {f"status:{self.status_survey.sicantik_id}"}
        )
        self.assertFalse(
            self.Message._cron_status_changes(days=10_000).filtered(
                lambda m: m.permit_id == permit
            )
        )
        self.Message._send_pending()
        (sent,) = self.gateway.messages()
        self.assertIn("Tinjauan Lapangan", sent["payload"]["text"])
        self.assertEqual(mine.filtered(lambda m: m.channel == "email").state, "sent")

    def test_templates_are_edited_by_administrators_only(self):
        template = self.env.ref("sicantik_applicant.whatsapp_template_signed")
        with self.assertRaises(AccessError):
            template.with_user(self.petugas).write({"body": "x"})
        admin = new_test_user(
            self.env, login="applicant_admin", groups="sicantik_base.group_admin"
        )
        template.with_user(admin).write({"body": "Halo {nama}: {nomor_izin} siap."})
        permit, _queued = self.queue_signed()
        self.Message._send_pending()
        (sent,) = self.gateway.messages()
        self.assertEqual(
            sent["payload"]["text"], f"Halo Rudi Sembiring: {permit.sk_number} siap."
        )

    def test_officers_see_and_set_only_their_units(self):
        unit_a, unit_b, users = make_unit_users(self.env, self.base_id + 300, "ap")
        permit_a = self.make_permit(unit_id=unit_a.id)
        permit_b = self.make_permit(unit_id=unit_b.id)
        queued = self.Message._queue(permit_a | permit_b, "signed")
        self.assertEqual(len(queued), 4)
        seen = self.Message.with_user(users["officer_a"]).search(
            [("id", "in", queued.ids)]
        )
        self.assertEqual(seen.permit_id, permit_a)
        for role in ("officer_none", "pejabat", "auditor", "admin"):
            everything = self.Message.with_user(users[role]).search(
                [("id", "in", queued.ids)]
            )
            self.assertEqual(everything, queued, role)
        other = self.env["sicantik.applicant"].create(
            {"sicantik_id": self.base_id + 90, "name": "Pemohon Unit B"}
        )
        self.make_permit(unit_id=unit_b.id, applicant_id=other.id)
        with self.assertRaises(AccessError):
            other.with_user(users["officer_a"]).action_whatsapp_consent()
        self.assertFalse(other.whatsapp_consent)
