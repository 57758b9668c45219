"""One notification to one permit holder, on one channel, for one event.

Why a log row per message and a unique key: the office must be able to
show what it told whom and when (sent, delivered, failed and why), and a
holder must never get the same reminder twice.  The row is claimed *before*
anything is sent, with ``INSERT … ON CONFLICT (dedup_key) DO NOTHING``
(the same rule as ``sicantik.expiry.notice``): a second cron run, a retry
after a crash or a concurrent worker finds the key taken.  The key is
``applicant:permit:event:channel`` (``expiry:60``, ``status:<id>``,
``signed``).

Sending is a cron (never the transaction of the event): e-mail is handed
to Odoo's mail queue, WhatsApp goes through the configured provider
(``lib/whatsapp.py``).  A provider that is down, slow or rate-limited
leaves the row queued with the next attempt pushed back (doubling, at
least its ``Retry-After``); a refusal (invalid number, rejected template)
fails the row with the reason.  Outside the cron's own transaction the row
is marked ``sending`` and committed before the HTTP call, so a crash after
the provider accepted cannot lead to a second send: such a row is failed
as "outcome unknown" after an hour, for an officer to check.  Quiet hours
(21:00–07:00 office time by default) hold WhatsApp messages until morning.
"""

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from odoo import _, api, fields, models

from odoo.addons.sicantik_base.guards import guard
from odoo.addons.sicantik_bsre.models.services import public_base_url
from odoo.addons.sicantik_officer.models.sicantik_permit import office_tz

from ..lib import phone as phone_lib
from ..lib import whatsapp
from . import services

_logger = logging.getLogger(__name__)

STATES = [
    ("queued", "Queued"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("failed", "Failed"),
]
CHANNELS = [("whatsapp", "WhatsApp"), ("email", "E-mail")]
MAIL_TEMPLATES = {
    "signed": "sicantik_applicant.mail_template_permit_signed",
    "status": "sicantik_applicant.mail_template_status_change",
}
#: A row still ``sending`` after this long crashed mid-send: never re-sent.
STUCK_AFTER = timedelta(hours=1)

#: Steps the office chose, entered in the last days, not yet notified.
STATUS_SQL = """
SELECT DISTINCT ON (h.permit_id, s.sicantik_id) h.permit_id, s.sicantik_id
FROM sicantik_permit_history h
JOIN sicantik_status s ON s.id = h.status_id AND s.notify_applicant
WHERE h.date_start >= %(since)s AND h.permit_id IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM sicantik_applicant_message m
       WHERE m.permit_id = h.permit_id AND m.event = 'status:' || s.sicantik_id)
ORDER BY h.permit_id, s.sicantik_id
LIMIT %(limit)s
"""


class SicantikApplicantMessage(models.Model):
    _name = "sicantik.applicant.message"
    _description = "SICANTIK Notification to an Applicant"
    _order = "create_date desc, id desc"
    _rec_name = "event"

    dedup_key = fields.Char(required=True, readonly=True, index=True)
    applicant_id = fields.Many2one(
        "sicantik.applicant", readonly=True, index=True, ondelete="set null"
    )
    permit_id = fields.Many2one(
        "sicantik.permit", required=True, readonly=True, index=True, ondelete="cascade"
    )
    event = fields.Char(required=True, readonly=True)
    event_type = fields.Selection(
        [
            ("signed", "Permit Signed"),
            ("expiry", "Expiry Reminder"),
            ("status", "Status Change"),
        ],
        required=True,
        readonly=True,
    )
    channel = fields.Selection(CHANNELS, required=True, readonly=True)
    state = fields.Selection(STATES, default="queued", readonly=True, index=True)
    recipient = fields.Char(readonly=True, help="Masked number or e-mail address.")
    reason = fields.Char(readonly=True, help="Why the last attempt failed.")
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True, index=True)
    sent_at = fields.Datetime(readonly=True)
    delivered_at = fields.Datetime(readonly=True)
    provider = fields.Char(readonly=True)
    provider_message_id = fields.Char(readonly=True, index=True)
    mail_id = fields.Many2one(
        "mail.mail", string="E-mail", readonly=True, ondelete="set null"
    )

    _sql_constraints = [
        (
            "dedup_key_uniq",
            "unique(dedup_key)",
            "One message per applicant, permit, event and channel.",
        )
    ]

    # ------------------------------------------------------------ queue
    @api.model
    def _status_url(self, permit):
        return f"{public_base_url(self.env)}/status?no={permit.name or ''}"

    @api.model
    def _channels_for(self, permit, channels):
        applicant = permit.applicant_id
        wanted = []
        if (
            "whatsapp" in channels
            and applicant
            and applicant.whatsapp_consent
            and not applicant.whatsapp_opt_out
            and services.whatsapp_provider()
        ):
            wanted.append("whatsapp")
        if "email" in channels and permit.holder_email and not applicant.email_opt_out:
            wanted.append("email")
        return wanted

    @api.model
    def _queue(self, permits, event, channels=("whatsapp", "email")):
        """Claim one row per permit and wanted channel; return the new ones.

        Rows that exist already (the event was queued before) are skipped
        in SQL, so calling it twice for one event changes nothing.
        """
        event_type = event.split(":", 1)[0]
        rows = []
        for permit in permits.sudo():
            for channel in self._channels_for(permit, channels):
                key = f"{permit.applicant_id.id or 0}:{permit.id}:{event}:{channel}"
                rows.append((key, permit.applicant_id.id or None, permit.id, channel))
        if not rows:
            return self.browse()
        self.env.flush_all()
        cr = self.env.cr
        values = ",".join(cr.mogrify("(%s, %s, %s, %s)", row).decode() for row in rows)
        # whole seconds, like every Odoo datetime: a message queued at
        # 10:00:00.4 must be due for a sender whose "now" is 10:00:00
        now = "date_trunc('second', NOW() AT TIME ZONE 'UTC')"
        cr.execute(
            "INSERT INTO sicantik_applicant_message (dedup_key, applicant_id, "
            "permit_id, channel, event, event_type, state, attempts, "
            "next_attempt_at, create_uid, create_date, write_uid, write_date) "
            f"SELECT v.k, v.a, v.p, v.c, %s, %s, 'queued', 0, {now}, %s, {now}, "
            f"%s, {now} FROM (VALUES {values}) AS v(k, a, p, c) "
            "ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
            [event, event_type, self.env.uid, self.env.uid],
        )
        created = self.sudo().browse([r[0] for r in cr.fetchall()])
        if created:
            cron = self.env.ref(
                "sicantik_applicant.ir_cron_applicant_messages",
                raise_if_not_found=False,
            )
            if cron:
                cron.sudo()._trigger()
        return created

    @api.model
    def _cron_status_changes(self, days=7, limit=500):
        """Cron: queue the steps the office chose (``notify_applicant``)."""
        since = fields.Datetime.now() - timedelta(days=days)
        self.env.flush_all()
        self.env.cr.execute(STATUS_SQL, {"since": since, "limit": limit})
        queued = self.browse()
        Permit = self.env["sicantik.permit"].sudo()
        for permit_id, status_sid in self.env.cr.fetchall():
            queued |= self._queue(Permit.browse(permit_id), f"status:{status_sid}")
        return queued

    # ------------------------------------------------------------ send
    @api.model
    def _cron_send(self):
        """Cron: send what is due, one bounded batch, committing per message."""
        return self._send_pending(commit=True)

    @api.model
    def _send_pending(self, limit=100, commit=False, now=None):
        """Send due messages; return the rows handled.

        ``commit`` (the cron) commits the ``sending`` mark before each HTTP
        call and the outcome after it; tests run in one transaction.
        """
        now = now or fields.Datetime.now()
        self._fail_stuck(now)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id FROM sicantik_applicant_message WHERE state = 'queued' "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= %s) "
            "ORDER BY next_attempt_at NULLS FIRST, id LIMIT %s FOR UPDATE SKIP LOCKED",
            [now, limit],
        )
        messages = self.sudo().browse([r[0] for r in self.env.cr.fetchall()])
        provider = services.whatsapp_provider()
        quiet = self._quiet_until(now)
        for message in messages:
            if message.channel == "email":
                message._send_email()
            elif quiet:
                message.write({"next_attempt_at": quiet})
            else:
                if commit:
                    message.write({"state": "sending"})
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                message._send_whatsapp(provider, now)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return messages

    @api.model
    def _quiet_until(self, now):
        """UTC naive datetime quiet hours end, or ``False`` outside them."""
        tz = ZoneInfo(office_tz(self.env))
        local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz)
        start, end = services.quiet_hours()
        until = whatsapp.quiet_until(local, start, end)
        if until is None:
            return False
        return until.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    def _fail_stuck(self, now):
        stuck = self.sudo().search(
            [("state", "=", "sending"), ("write_date", "<", now - STUCK_AFTER)]
        )
        stuck.write(
            {
                "state": "failed",
                "reason": _(
                    "Outcome unknown (interrupted while sending); not re-sent."
                ),
            }
        )

    def _send_email(self):
        self.ensure_one()
        permit = self.permit_id
        email = permit.holder_email
        xmlid = MAIL_TEMPLATES.get(self.event_type)
        template = self.env.ref(xmlid, raise_if_not_found=False) if xmlid else None
        if not (email and template):
            self.write(
                {"state": "failed", "reason": _("No e-mail address or template.")}
            )
            return
        mail_id = template.sudo().send_mail(permit.id, email_values={"email_to": email})
        self.write(
            {
                "state": "sent",
                "mail_id": mail_id,
                "recipient": email,
                "attempts": self.attempts + 1,
                "sent_at": fields.Datetime.now(),
                "provider": "email",
            }
        )
        self._audit("applicant.notify")

    def _send_whatsapp(self, provider, now):
        self.ensure_one()
        values = {"attempts": self.attempts + 1, "state": "queued"}
        permit = self.permit_id
        template = self.env["sicantik.whatsapp.template"]._for_event(self.event_type)
        try:
            number = phone_lib.normalize(self.applicant_id.phone)
        except phone_lib.InvalidPhone as exc:
            self.write(
                dict(values, state="failed", reason=_("Invalid number: %s", exc))
            )
            self._audit("applicant.notify")
            return
        values["recipient"] = phone_lib.mask(number)
        if provider is None or not template:
            values.update(
                state="failed",
                reason=_("WhatsApp provider or template not configured."),
            )
            self.write(values)
            return
        texts = permit._message_values(self._event_values())
        text = whatsapp.render(template.body, texts)
        params = [texts.get(name, "") for name in whatsapp.placeholders(template.body)]
        result = provider.send(
            number, text, template=template.cloud_template_name, params=params
        )
        values.update(provider=provider.name, reason=result.reason or False)
        if result.status == "sent":
            values.update(
                state="sent", provider_message_id=result.provider_id, sent_at=now
            )
        elif result.status == "failed":
            values["state"] = "failed"
        elif values["attempts"] >= services.int_setting("whatsapp_max_attempts"):
            values.update(
                state="failed",
                reason=_(
                    "Gave up after %(n)s attempts: %(why)s",
                    n=values["attempts"],
                    why=result.reason,
                ),
            )
        else:
            delay = whatsapp.backoff(
                values["attempts"],
                base=services.int_setting("whatsapp_backoff_seconds"),
                retry_after=result.retry_after,
            )
            values["next_attempt_at"] = now + timedelta(seconds=delay)
        self.write(values)
        if values["state"] != "queued":
            self._audit("applicant.notify")

    def _event_values(self):
        """Placeholders that depend on the event rather than the permit."""
        kind, _sep, arg = self.event.partition(":")
        if kind == "expiry" and arg.isdigit():
            return {"sisa_hari": arg}
        if kind == "status" and arg.isdigit():
            status = (
                self.env["sicantik.status"]
                .sudo()
                .search([("sicantik_id", "=", int(arg))], limit=1)
            )
            return {"status": status.name or ""}
        return {}

    def _audit(self, action):
        self.env["sicantik.audit.event"].log(
            action,
            summary=f"{self.channel} {self.event} {self.permit_id.name}: {self.state}",
            record=self.permit_id,
            details={
                "channel": self.channel,
                "event": self.event,
                "state": self.state,
                "reason": self.reason or None,
                "attempts": self.attempts,
            },
        )

    # ------------------------------------------------------------ callbacks
    @api.model
    def _apply_delivery(self, events):
        """Apply ``[(provider_id, state, reason)]``; return rows changed."""
        changed = self.browse()
        for provider_id, state, reason in events:
            message = self.sudo().search(
                [
                    ("provider_message_id", "=", provider_id),
                    ("channel", "=", "whatsapp"),
                ],
                limit=1,
            )
            if not message or message.state == "failed":
                continue
            if state in ("delivered", "read"):
                if message.state != "delivered":
                    message.write(
                        {"state": "delivered", "delivered_at": fields.Datetime.now()}
                    )
                    changed |= message
            elif state == "failed":
                message.write(
                    {"state": "failed", "reason": reason or _("Not delivered.")}
                )
                message._audit("applicant.notify")
                changed |= message
        return changed

    # ------------------------------------------------------------ buttons
    @guard("admin")
    def action_retry(self):
        """Button: queue a failed WhatsApp message once more (administrators).

        Only failed rows: a sent or delivered message is never sent again.
        """
        failed = self.filtered(lambda m: m.state == "failed")
        failed.sudo().write(
            {"state": "queued", "next_attempt_at": fields.Datetime.now(), "attempts": 0}
        )
        return True
