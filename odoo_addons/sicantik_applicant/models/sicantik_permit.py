"""What the permit holder may see and receive about one application.

The public status page reads only :meth:`_public_status` (step names, dates,
working days); the second factor is checked by :meth:`_holder_matches`:
the last four characters of the applicant's identity number (the NIK) or
the receipt's tracking code, which is derived from a server secret and so
exists for every application, with or without a NIK.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from odoo import api, fields, models

from odoo.addons.sicantik_base.lib import id_format
from odoo.addons.sicantik_officer.lib import workdays
from odoo.addons.sicantik_officer.models.sicantik_permit import (
    office_today,
    office_tz,
)

from ..lib import tokens
from . import services

#: How far an expected finish is searched for (working days to calendar days).
_MAX_SPAN = 400


class SicantikPermit(models.Model):
    _inherit = "sicantik.permit"

    tracking_code = fields.Char(
        compute="_compute_tracking_code",
        help="Printed on the receipt: with the registration number it opens "
        "the public status page. Derived, never stored.",
    )
    applicant_message_ids = fields.One2many(
        "sicantik.applicant.message", "permit_id", string="Notifications"
    )

    @api.depends("sicantik_id", "name")
    def _compute_tracking_code(self):
        secret = services.secret()
        for permit in self:
            permit.tracking_code = (
                tokens.tracking_code(secret, permit.sicantik_id, permit.name)
                if secret and permit.sicantik_id
                else False
            )

    # ------------------------------------------------------------ checks
    def _holder_matches(self, factor):
        """True when ``factor`` is this application's second factor."""
        self.ensure_one()
        typed = tokens.normalize_code(factor)
        code = self.tracking_code or ""
        identity = tokens.normalize_code(self.applicant_id.id_number)
        nik_ok = len(identity) >= 8 and len(typed) == 4
        # both comparisons always run: the time does not say which matched
        by_nik = tokens.equal(typed, identity[-4:] if nik_ok else "\0")
        by_code = tokens.equal(typed, code or "\0")
        return bool(typed) and (by_nik or by_code)

    # ------------------------------------------------------------ public data
    def _holidays(self, start, end):
        rows = (
            self.env["sicantik.holiday"]
            .sudo()
            .search_read([("date", ">", start), ("date", "<=", end)], ["date"])
        )
        return {row["date"] for row in rows}

    def _expected_finish(self):
        """Received date plus the type's SLA in working days (``None``)."""
        self.ensure_one()
        start, days = self.date_received, self.sla_days or self.permit_type_id.sla_days
        if not start or not days:
            return None
        holidays = self._holidays(start, start + dt.timedelta(days=_MAX_SPAN))
        day = start
        for _i in range(_MAX_SPAN):
            day += dt.timedelta(days=1)
            if workdays.working_days(start, day, holidays) >= days:
                return day
        return None

    def _public_status(self):
        """The status page's dict: no name, NIK, address or phone."""
        self.ensure_one()
        tz = ZoneInfo(office_tz(self.env))
        steps = []
        for step in self.history_ids.sorted(
            lambda h: (h.date_start or dt.datetime.min, h.id)
        ):
            steps.append(
                {
                    "name": step.status_id.name or "-",
                    "start": id_format.format_datetime_id(
                        step.date_start, tz=tz, empty="-"
                    ),
                    "end": id_format.format_datetime_id(step.date_end, tz=tz, empty="")
                    if not step.is_open
                    else "",
                    "open": bool(step.is_open),
                    "working_days": step.working_days or 0,
                }
            )
        finish = self._expected_finish()
        today = office_today(self.env)
        # the SLA cron's end date, else what SICANTIK says ended the clock
        finished = self.sla_end_date or self.sk_date
        remaining = late = None
        if finish and not finished:
            late = finish < today
            remaining = workdays.working_days(
                today, finish, self._holidays(today, finish)
            )
        signed = self._signed_document()
        return {
            "registration": self.name,
            "permit_type": self.permit_type_id.name or "-",
            "received": id_format.format_date_id(self.date_received, empty="-"),
            "status": self.status_id.name or "-",
            "steps": steps,
            "sla_days": self.sla_days or self.permit_type_id.sla_days or 0,
            "finish": id_format.format_date_id(finish, empty="-") if finish else "-",
            "finished": id_format.format_date_id(finished, empty=""),
            "remaining": remaining,
            "late": late,
            "rejected": self.decision == "rejected",
            "valid_until": id_format.format_date_id(self.valid_until, empty="")
            if self.valid_until
            else "",
            "document_id": signed.id or False,
        }

    def _signed_document(self):
        """The latest stored signed version of this permit (or empty)."""
        self.ensure_one()
        return (
            self.env["sicantik.document"]
            .sudo()
            .search(
                [
                    ("permit_id", "=", self.id),
                    ("kind", "in", ("signed", "resigned")),
                    ("state", "=", "stored"),
                ],
                order="create_date desc, id desc",
                limit=1,
            )
        )

    def _message_values(self, extra=None):
        """Placeholders of the WhatsApp templates (``{name}`` in the body)."""
        self.ensure_one()
        days = (
            (self.valid_until - office_today(self.env)).days if self.valid_until else ""
        )
        values = {
            "nama": self.applicant_id.name or self.company_id.name or "Bapak/Ibu",
            "nomor_pendaftaran": self.name or "",
            "nomor_izin": self.sk_number or self.name or "",
            "jenis_izin": self.permit_type_id.name or "",
            "berlaku_sampai": id_format.format_date_id(self.valid_until, empty="-"),
            "sisa_hari": days,
            "status": self.status_id.name or "",
            "tautan": self.env["sicantik.applicant.message"]._status_url(self),
        }
        values.update(extra or {})
        return values

    # ------------------------------------------------------------ hooks
    @api.model
    def _send_one_notice(self, notice):
        """The officer addon's reminder (activity + holder e-mail), then the
        WhatsApp one: e-mail is already sent there, so only WhatsApp here."""
        result = super()._send_one_notice(notice)
        self.env["sicantik.applicant.message"]._queue(
            notice.permit_id, f"expiry:{notice.threshold}", channels=("whatsapp",)
        )
        return result
