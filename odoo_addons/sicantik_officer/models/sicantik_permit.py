"""SLA clock and expiry reminders on the mirrored permits.

SLA, set-based
==============

The sync writes permits with raw SQL, so ORM ``@api.depends`` triggers never
fire for it, and "today" moves the clock of every open application anyway.
The SLA columns are therefore plain stored fields written by one
``UPDATE … FROM`` (:meth:`_recompute_sla`), run by a cron that the sync
triggers at the end of each cycle and once a night.  An incremental run
touches only rows whose figures can have changed (open applications, rows
the sync wrote since the last run, rows never computed); a full run (button,
holiday change) re-computes all.  ``IS DISTINCT FROM`` keeps unchanged rows
out of the write: no dead tuples, no ``write_date`` churn.

When the clock stops: SK issued (``sk_date``), else handed over, else, for a
rejection without a decree date, the end of its last workflow step.
Working days come from ``sicantik_officer_working_days`` (see
``lib/workdays.py`` for the convention).

Expiry reminders
================

A permit is *active* when issued (SK, not rejected, not revoked), present in
SICANTIK and not superseded: no later application (renewal, change, daftar
ulang) whose ``id_lama`` points to it unless that application was rejected.
For each active permit whose ``valid_until`` is within a threshold (90, 60,
30 days by default) the cron claims a notice row for the tightest threshold
reached, then schedules an activity for the type's expiry officer and queues
an Indonesian e-mail to the holder.
"""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from odoo import _, api, fields, models
from odoo.modules.db import FunctionStatus

from odoo.addons.sicantik_base.guards import guard
from odoo.addons.sicantik_base.lib import id_format, settings

from ..lib import permit_counts

_logger = logging.getLogger(__name__)

SLA_STATES = [
    ("none", "No SLA"),
    ("on_track", "On Track"),
    ("due_soon", "Due Soon"),
    ("overdue", "Overdue"),
    ("done_on_time", "Finished on Time"),
    ("done_late", "Finished Late"),
]


def _weekdays(day):
    """SQL: Mondays-to-Fridays in [1900-01-01, day] (see lib/workdays.py)."""
    n = f"({day} - DATE '1900-01-01' + 1)"
    # "%%": the statements are sent with named parameters
    return f"(5 * ({n} / 7) + LEAST({n} %% 7, 5))"


def working_days_sql(start, end, holidays):
    """SQL expression: working days in ``(start, end]``.

    Inlined in the set-based updates rather than calling the SQL function
    per row: PostgreSQL does not inline a function whose arguments are used
    more than once, and a function call per row costs about ten times the
    arithmetic.  ``holidays`` is a sorted ``date[]`` computed once per
    statement (a constant); ``width_bucket`` counts its elements <= a date by
    binary search.
    """
    return (
        f"(CASE WHEN {start} IS NULL OR {end} IS NULL OR {end} <= {start} THEN 0 "
        f"ELSE {_weekdays(end)} - {_weekdays(start)} - (width_bucket({end}, "
        f"{holidays}) - width_bucket({start}, {holidays})) END)"
    )


SLA_SQL = (
    """
WITH c AS (
    SELECT p.id, t.sla_days, p.date_received AS d0,
        CASE
            WHEN p.sk_date IS NOT NULL THEN p.sk_date
            WHEN p.date_handed_over IS NOT NULL THEN
                (p.date_handed_over AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
            WHEN p.decision = 'rejected' THEN COALESCE(
                (SELECT max(h.date_end) FROM sicantik_permit_history h
                  WHERE h.permit_id = p.id) AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s,
                p.date_received)::date
        END AS d_end
    FROM sicantik_permit p
    LEFT JOIN sicantik_permit_type t ON t.id = p.permit_type_id
    WHERE %(full)s OR p.sla_state IS NULL OR p.sla_end_date IS NULL
       OR p.write_date >= %(since)s
), c2 AS MATERIALIZED (
    SELECT c.*, COALESCE(c.d_end, %(today)s::date) AS d1 FROM c
), s AS MATERIALIZED (
    SELECT c2.*, """
    + working_days_sql("c2.d0", "c2.d1", "%(holidays)s")
    + """ AS wd,
        GREATEST(c2.d1 - c2.d0, 0) AS cd
    FROM c2
), r AS (
    SELECT s.id, s.sla_days, s.d_end, s.wd, s.cd,
        s.sla_days - s.wd AS remaining,
        CASE
            WHEN s.d0 IS NULL OR COALESCE(s.sla_days, 0) <= 0 THEN 'none'
            WHEN s.d_end IS NULL AND s.wd > s.sla_days THEN 'overdue'
            WHEN s.d_end IS NULL AND s.sla_days - s.wd <= %(soon)s THEN 'due_soon'
            WHEN s.d_end IS NULL THEN 'on_track'
            WHEN s.wd > s.sla_days THEN 'done_late'
            ELSE 'done_on_time'
        END AS state
    FROM s
)
UPDATE sicantik_permit p SET
    sla_days = r.sla_days, sla_end_date = r.d_end, sla_working_days = r.wd,
    sla_calendar_days = r.cd, sla_remaining_days = r.remaining,
    sla_state = r.state, is_overdue = (r.state = 'overdue')
FROM r
WHERE p.id = r.id AND (p.sla_state IS NULL OR
    ROW(p.sla_days, p.sla_end_date, p.sla_working_days, p.sla_calendar_days,
        p.sla_remaining_days, p.sla_state)
    IS DISTINCT FROM ROW(r.sla_days, r.d_end, r.wd, r.cd, r.remaining, r.state))
"""
)

STEP_SQL = (
    """
UPDATE sicantik_permit_history h SET working_days = x.wd
FROM (
    SELECT d.id, """
    + working_days_sql("d.d0", "d.d1", "%(holidays)s")
    + """ AS wd
    FROM (
        SELECT h2.id,
            (h2.date_start AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS d0,
            COALESCE((h2.date_end AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date,
                     p.sla_end_date, %(today)s::date) AS d1
        FROM sicantik_permit_history h2
        LEFT JOIN sicantik_permit p ON p.id = h2.permit_id
        WHERE %(full)s OR h2.working_days IS NULL
           OR (h2.is_open AND p.sla_end_date IS NULL)
           OR h2.write_date >= %(since)s OR p.write_date >= %(since)s
    ) d
) x
WHERE h.id = x.id AND h.working_days IS DISTINCT FROM x.wd
"""
)

#: Active, not superseded, expiring permits and the tightest threshold reached.
EXPIRY_SQL = """
SELECT p.id, t.threshold FROM sicantik_permit p
CROSS JOIN LATERAL (
    SELECT min(x) AS threshold FROM unnest(%(thresholds)s::int[]) x
     WHERE p.valid_until - %(today)s::date <= x
) t
WHERE p.valid_until >= %(today)s::date
  AND p.valid_until <= %(today)s::date + %(horizon)s
  AND p.is_issued AND p.is_revoked IS NOT TRUE
  AND p.decision IS DISTINCT FROM 'rejected'
  AND p.sicantik_missing IS NOT TRUE
  AND NOT EXISTS (
      SELECT 1 FROM sicantik_permit r
       WHERE r.previous_sicantik_id = p.sicantik_id AND r.id <> p.id
         AND r.decision IS DISTINCT FROM 'rejected')
  AND NOT EXISTS (
      SELECT 1 FROM sicantik_expiry_notice n
       WHERE n.permit_id = p.id AND n.threshold <= t.threshold)
ORDER BY p.valid_until, p.id
"""


def office_tz(env):
    """The office's time zone, from sicantik_base's one source."""
    return settings.timezone(env)


def office_today(env):
    """Today in the office's time zone (SICANTIK dates are local dates)."""
    return datetime.now(ZoneInfo(office_tz(env))).date()


class SicantikPermit(models.Model):
    _inherit = "sicantik.permit"

    # renewals are looked up by the previous application's SICANTIK id
    previous_sicantik_id = fields.Integer(index=True)
    sla_days = fields.Integer(
        string="SLA (working days)",
        readonly=True,
        help="Service level of the permit type (SICANTIK v_hari).",
    )
    sla_end_date = fields.Date(
        string="Finished On (SLA)",
        readonly=True,
        help="Day the SLA clock stopped: SK issued, handed over or rejected.",
    )
    sla_working_days = fields.Integer(
        string="Working Days Spent",
        readonly=True,
        help="Monday to Friday minus SICANTIK holidays, from receipt to "
        "finish (or today).",
    )
    sla_calendar_days = fields.Integer(
        string="Calendar Days Spent",
        readonly=True,
        help="Calendar days from receipt to finish (or today), as SICANTIK "
        "counts its due date.",
    )
    sla_remaining_days = fields.Integer(
        string="Working Days Left",
        readonly=True,
        help="SLA minus working days spent; negative when late.",
    )
    sla_state = fields.Selection(SLA_STATES, string="SLA", readonly=True, index=True)
    is_overdue = fields.Boolean(
        string="Overdue",
        readonly=True,
        index=True,
        help="Still in process and past the SLA in working days.",
    )
    expiry_notice_ids = fields.One2many(
        "sicantik.expiry.notice", "permit_id", string="Expiry Reminders"
    )
    holder_email = fields.Char(
        string="Holder E-mail",
        compute="_compute_holder_email",
        help="E-mail of the applicant, else of the company.",
    )
    valid_until_text = fields.Char(
        string="Valid Until (Indonesian)", compute="_compute_valid_until_text"
    )

    def init(self):
        """The indexes of the officer's list and dashboard at a province's
        size (``lib/permit_counts.py``)."""
        res = super().init()
        self._ensure_officer_indexes()
        return res

    @api.model
    def _ensure_officer_indexes(self):
        registry = self.env.registry
        # trigram indexes must index what the ORM's ilike compares
        unaccent = None
        if registry.has_unaccent == FunctionStatus.INDEXABLE:
            unaccent = registry.unaccent
        permit_counts.ensure_indexes(self.env.cr, unaccent=unaccent)

    @api.depends("applicant_id.email", "company_id.email")
    def _compute_holder_email(self):
        for permit in self:
            permit.holder_email = (
                permit.applicant_id.email or permit.company_id.email or False
            )

    @api.depends("valid_until")
    def _compute_valid_until_text(self):
        for permit in self:
            permit.valid_until_text = id_format.format_date_id(permit.valid_until)

    # ------------------------------------------------------------------
    # SLA
    # ------------------------------------------------------------------
    @api.model
    def _sla_soon_days(self):
        param = self.env["ir.config_parameter"].sudo()
        return int(param.get_param("sicantik_officer.sla_due_soon_days", "2") or 2)

    @api.model
    def _recompute_sla(self, full=False, today=None):
        """Recompute the SLA columns set-based; return ``(permits, steps)``.

        ``today`` is for tests and replays; default: today in the office.
        """
        self.env.flush_all()
        param = self.env["ir.config_parameter"].sudo()
        started = fields.Datetime.now()
        since = param.get_param("sicantik_officer.sla_last_run") or "1970-01-01"
        since = fields.Datetime.to_datetime(since) - timedelta(minutes=5)
        args = {
            "tz": office_tz(self.env),
            "today": today or office_today(self.env),
            "full": bool(full),
            "since": since,
            "soon": self._sla_soon_days(),
        }
        cr = self.env.cr
        # once per statement, as a constant: a function call in the query
        # would be inlined and evaluated for every row
        cr.execute("SELECT sicantik_officer_holidays()")
        args["holidays"] = cr.fetchone()[0]
        # The estimated cost of these statements makes PostgreSQL JIT-compile
        # them, which alone took 12 s on 20,000 permits; they run in ~1 s
        # without.
        cr.execute("SELECT current_setting('jit')")
        jit = cr.fetchone()[0]
        cr.execute("SET LOCAL jit = off")
        cr.execute(SLA_SQL, args)
        permits = cr.rowcount
        cr.execute(STEP_SQL, args)
        steps = cr.rowcount
        cr.execute("SELECT set_config('jit', %s, true)", [jit])
        param.set_param(
            "sicantik_officer.sla_last_run", fields.Datetime.to_string(started)
        )
        self.invalidate_model()
        self.env["sicantik.permit.history"].invalidate_model()
        _logger.info("SICANTIK SLA: %s permits, %s steps updated", permits, steps)
        return permits, steps

    @api.model
    def _cron_recompute_sla(self):
        """Cron: incremental SLA update (the nightly call catches the new day)."""
        return self._recompute_sla()

    @guard("admin")
    def action_recompute_sla(self):
        """Button: recompute every SLA now (administrators only)."""
        self.sudo()._recompute_sla(full=True)
        return True

    # ------------------------------------------------------------------
    # expiry reminders
    # ------------------------------------------------------------------
    @api.model
    def _expiry_thresholds(self):
        param = self.env["ir.config_parameter"].sudo()
        raw = param.get_param("sicantik_officer.expiry_thresholds", "90,60,30")
        values = sorted(
            {int(x) for x in (raw or "").replace(" ", "").split(",") if x.isdigit()}
        )
        return values or [90, 60, 30]

    @api.model
    def _expiry_batch_size(self):
        param = self.env["ir.config_parameter"].sudo()
        return max(int(param.get_param("sicantik_officer.expiry_batch", "200")), 1)

    @api.model
    def _expiry_candidates(self, today, limit=None):
        """``[(permit_id, threshold)]`` still owed a reminder (one query)."""
        thresholds = self._expiry_thresholds()
        query = EXPIRY_SQL + (" LIMIT %(limit)s" if limit else "")
        self.env.flush_all()
        self.env.cr.execute(
            query,
            {
                "thresholds": thresholds,
                "today": today,
                "horizon": max(thresholds),
                "limit": limit,
            },
        )
        return self.env.cr.fetchall()

    @api.model
    def _cron_expiry_notices(self):
        """Cron: one bounded batch of reminders, then report progress."""
        result = self._send_expiry_notices()
        done, remaining = result["done"], result["remaining"]
        if remaining and not done:
            done = 1  # 18.0 stops a cron reporting no progress with work left
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return result

    @api.model
    def _send_expiry_notices(self, today=None, limit=None):
        """Send one batch of reminders; return ``{done, remaining, notices}``."""
        today = today or office_today(self.env)
        limit = limit or self._expiry_batch_size()
        pending = self._expiry_candidates(today, limit=limit + 1)
        batch, remaining = pending[:limit], max(len(pending) - limit, 0)
        if not batch:
            return {
                "done": 0,
                "remaining": 0,
                "notices": self.env["sicantik.expiry.notice"],
            }
        cr = self.env.cr
        values = ",".join(cr.mogrify("(%s, %s)", row).decode() for row in batch)
        now = "(NOW() AT TIME ZONE 'UTC')"
        cr.execute(
            "INSERT INTO sicantik_expiry_notice (permit_id, threshold, valid_until, "
            "sent_at, create_uid, create_date, write_uid, write_date) "
            f"SELECT v.p, v.t, p.valid_until, {now}, %s, {now}, %s, {now} "
            f"FROM (VALUES {values}) AS v(p, t) "
            "JOIN sicantik_permit p ON p.id = v.p "
            "ON CONFLICT (permit_id, threshold) DO NOTHING RETURNING id",
            [self.env.uid, self.env.uid],
        )
        notices = (
            self.env["sicantik.expiry.notice"]
            .sudo()
            .browse([r[0] for r in cr.fetchall()])
        )
        for notice in notices:
            self._send_one_notice(notice)
        return {"done": len(batch), "remaining": remaining, "notices": notices}

    @api.model
    def _expiry_officer(self, permit):
        """The type's expiry officer, else the first SICANTIK administrator."""
        user = permit.permit_type_id.expiry_user_id
        if user and user.active:
            return user
        root = self.env.ref("base.user_root")
        admins = self.env.ref("sicantik_base.group_admin").sudo().users
        admins = admins.filtered(lambda u: u.active and not u.share and u != root)
        return admins.sorted("id")[:1]

    @api.model
    def _send_one_notice(self, notice):
        permit = notice.permit_id.sudo()
        officer = self._expiry_officer(permit)
        # the officer's language, else Indonesian when installed
        lang = officer.lang or "id_ID"
        if not self.env["res.lang"]._lang_get(lang):
            lang = self.env.lang
        texts = self.with_context(lang=lang)._expiry_activity_texts(
            permit, notice.threshold
        )
        activity = self.env["mail.activity"]
        if officer:
            activity = permit.with_context(
                mail_activity_quick_update=True
            ).activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=permit.valid_until,
                summary=texts["summary"],
                note=texts["note"],
                user_id=officer.id,
            )
        mail = self.env["mail.mail"]
        email = permit.holder_email
        if email:
            template = self.env.ref("sicantik_officer.mail_template_expiry_notice")
            mail_id = (
                template.sudo()
                .with_context(expiry_threshold=notice.threshold)
                .send_mail(permit.id, email_values={"email_to": email})
            )
            mail = mail.browse(mail_id)
        notice.write(
            {
                "user_id": officer.id or False,
                "activity_id": activity.id or False,
                "mail_id": mail.id or False,
                "email_to": email or False,
            }
        )
        self.env["sicantik.audit.event"].sudo().log(
            "expiry.notice",
            summary=_(
                "Expiry reminder H-%(days)s for %(permit)s",
                days=notice.threshold,
                permit=permit.sk_number or permit.name,
            ),
            record=permit,
            details={
                "threshold": notice.threshold,
                "valid_until": str(permit.valid_until),
                "officer": officer.login or None,
                "mailed": bool(mail),
            },
        )

    def _expiry_activity_texts(self, permit, threshold):
        """Activity texts in the officer's language (``self`` carries it)."""
        return {
            "summary": _(
                "Permit expires in %(days)s days: %(number)s",
                days=threshold,
                number=permit.sk_number or permit.name,
            ),
            "note": _(
                "%(type)s %(number)s of %(holder)s is valid until %(date)s. "
                "Contact the holder about the renewal.",
                type=permit.permit_type_id.name or "",
                number=permit.sk_number or permit.name,
                holder=permit.applicant_id.name or permit.company_id.name or "-",
                date=id_format.format_date_id(permit.valid_until),
            ),
        }
