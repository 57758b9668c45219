"""The last known BSrE certificate status of each signing official.

Why a record per official, written every time BSrE is asked:

* **One status call per signing.**  The signing dialog asks BSrE when it opens
  and records the answer here; saving the dialog and the sign step itself read
  the recorded answer instead of asking again.  Only an ``ISSUE`` answer is
  reused, and only for :data:`REUSE_ISSUE`: an official whose certificate was
  renewed is never kept out by an old refusal, and a certificate revoked in the
  meantime is refused by BSrE's own sign call (typed error per document), so
  reusing a fresh ``ISSUE`` cannot sign anything BSrE would not.
* **A certificate watch.**  A daily cron asks BSrE about every official with a
  NIK; when a status changes to anything but ``ISSUE`` the official and the
  administrators get an activity and an Indonesian e-mail *before* a permit
  waits on a signature that cannot happen.  The record carries the thread
  (status changes are tracked) and the activities, so it must be readable by
  the people warned: administrators see every record, officials their own
  (record rules), nobody writes them except this code (in sudo).
* Not columns on ``res.users``: writing a user row clears caches and may
  collide with the user's own session writes; this table is written from the
  signing dialog's transaction and the cron without touching the user.
"""

import logging
from datetime import timedelta

import psycopg2

from odoo import api, fields, models

from ..lib.client import SIGNING_STATUS, UserStatus, mask_nik
from ..lib.errors import AuthenticationFailed, BsreError, ServiceUnavailable
from . import services

_logger = logging.getLogger(__name__)

#: How long an ``ISSUE`` answer serves the signing dialog and the sign step.
#: Long enough for an official to type a passphrase or wait for an OTP.
REUSE_ISSUE = timedelta(minutes=15)
#: The daily watch skips officials asked this recently (by the dialog too).
WATCH_INTERVAL = timedelta(hours=20)
#: Officials asked per cron call (the scheduler calls again while some remain).
WATCH_BATCH = 50


class SicantikBsreCertificate(models.Model):
    _name = "sicantik.bsre.certificate"
    _description = "BSrE Certificate Status"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "checked_at desc, id desc"
    _rec_name = "user_id"

    user_id = fields.Many2one(
        "res.users",
        string="Official",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    status = fields.Char(
        string="Certificate Status",
        readonly=True,
        tracking=True,
        help="Status reported by BSrE; only ISSUE can sign.",
    )
    message = fields.Char(string="BSrE Message", readonly=True)
    checked_at = fields.Datetime(string="Last Checked", readonly=True)
    changed_at = fields.Datetime(string="Status Since", readonly=True)
    can_sign = fields.Boolean(compute="_compute_can_sign", store=True)

    _sql_constraints = [
        ("user_uniq", "unique(user_id)", "One certificate status per user."),
    ]

    @api.depends("status")
    def _compute_can_sign(self):
        for cert in self:
            cert.can_sign = cert.status == SIGNING_STATUS

    # ------------------------------------------------------------ lookup
    @api.model
    def _for_user(self, user):
        """The (sudo) record of ``user``, created on first use."""
        certs = self.sudo()
        cert = certs.search([("user_id", "=", user.id)], limit=1)
        if cert:
            return cert
        try:
            with self.env.cr.savepoint():
                return certs.create({"user_id": user.id})
        except psycopg2.IntegrityError:  # created by a parallel dialog
            return certs.search([("user_id", "=", user.id)], limit=1)

    def _as_status(self):
        self.ensure_one()
        nik = self.user_id.sudo().bsre_nik
        return UserStatus(mask_nik(nik), self.status, None, self.message)

    @api.model
    def _status_of(self, user, reuse=REUSE_ISSUE):
        """``user``'s certificate status as a :class:`UserStatus`.

        A recorded ``ISSUE`` younger than ``reuse`` is returned as is;
        otherwise BSrE is asked and the answer recorded.  Raises
        :class:`BsreError` when BSrE cannot answer (nothing is recorded then).
        """
        cert = self._for_user(user)
        limit = fields.Datetime.now() - reuse if reuse else None
        if (
            limit
            and cert.status == SIGNING_STATUS
            and cert.checked_at
            and cert.checked_at >= limit
        ):
            return cert._as_status()
        nik = user.sudo().bsre_nik
        status = services.get_client().user_status(nik)
        cert._record(status.status, status.message)
        return status

    # ------------------------------------------------------------ record
    def _record(self, status, message):
        """Store BSrE's answer; warn when it moves to a non-ISSUE status."""
        now = fields.Datetime.now()
        for cert in self.sudo():
            previous = cert.status
            values = {"status": status, "message": message, "checked_at": now}
            if status != previous:
                values["changed_at"] = now
            cert.write(values)
            if status == previous:
                continue
            if status == SIGNING_STATUS:
                cert._close_warnings()
            else:
                cert._warn(previous)

    def _recipients(self):
        """The official and every active administrator (internal users)."""
        self.ensure_one()
        admins = self.env.ref("sicantik_base.group_admin").sudo().users
        users = self.user_id | admins
        return users.filtered(lambda u: u.active and not u.share)

    def _warn(self, previous):
        """An activity for each recipient and one Indonesian e-mail."""
        self.ensure_one()
        recipients = self._recipients()
        for user in recipients:
            # Each in their own language (officers work in Indonesian).
            env = self.with_context(lang=user.lang).env
            self.activity_schedule(
                "mail.mail_activity_data_warning",
                summary=env._(
                    "BSrE certificate of %(name)s: %(status)s",
                    name=self.user_id.name,
                    status=self.status,
                ),
                note=env._(
                    "BSrE reports the certificate status %(status)s (was "
                    "%(previous)s). This official cannot sign until the "
                    "certificate is ISSUE again: renew or reactivate it with "
                    "BSrE, or route permits to another official.",
                    status=self.status,
                    previous=previous or "-",
                ),
                user_id=user.id,
            )
        partners = recipients.partner_id.filtered("email")
        if partners:
            template = self.env.ref("sicantik_bsre.mail_template_certificate_warning")
            template.sudo().send_mail(
                self.id,
                email_values={"recipient_ids": [(6, 0, partners.ids)]},
            )
        self.env["sicantik.audit.event"].log(
            "bsre.certificate",
            summary=f"certificate status {previous or '-'} -> {self.status}",
            record=self,
            details={"status": self.status, "previous": previous},
        )

    def _close_warnings(self):
        warning = self.env.ref("mail.mail_activity_data_warning")
        for cert in self:
            activities = cert.activity_ids.filtered(
                lambda a: a.activity_type_id == warning
            )
            if activities:
                activities.action_feedback(feedback=f"{SIGNING_STATUS}")

    # -------------------------------------------------------------- cron
    @api.model
    def _cron_watch(self, batch=WATCH_BATCH):
        """Ask BSrE about every official with a NIK not asked for a day.

        One bounded batch per call; the scheduler calls again while officials
        remain.  When BSrE is down the run stops (nothing half-written: an
        official not asked keeps the last answer) and the next run retries.
        """
        users = self.env["res.users"].sudo().search([("bsre_nik", "!=", False)])
        recent = self.sudo().search(
            [
                ("user_id", "in", users.ids),
                ("checked_at", ">=", fields.Datetime.now() - WATCH_INTERVAL),
            ]
        )
        pending = users - recent.user_id
        todo = pending[:batch]
        done = failed = 0
        for user in todo:
            try:
                self._status_of(user, reuse=None)
            except (ServiceUnavailable, AuthenticationFailed) as exc:
                _logger.warning("BSrE certificate watch stopped: %s", exc)
                failed = len(todo) - done
                break
            except BsreError as exc:
                _logger.warning(
                    "BSrE certificate status of user %s not read: %s", user.id, exc
                )
                failed += 1
                continue
            done += 1
        # An official BSrE could not answer for stays pending: stop after this
        # call then (next run retries) rather than asking again at once.
        remaining = 0 if failed or not done else len(pending) - len(todo)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done
