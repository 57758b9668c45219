"""Failed logins, counted per source and time window before they are audited.

Why not one audit event per try: the trail is append-only and archived for
years, so a password-guessing bot would fill it with millions of permanent rows
(and the sealing lock with work) at the attacker's pace.  Each failure instead
bumps a counter row — key: the pseudonymised source (salted hash of the IP,
as for public visitors), the window start and the login tried when it belongs
to an existing user — in this ordinary, prunable table.  When a window has
closed, ``_audit_flush`` writes ONE ``login.failed`` event per source and
window with the number of attempts and the known logins tried, and deletes the
counters it has audited, in the same transaction.
"""

from datetime import datetime, timedelta, timezone

from odoo import api, fields, models

#: Length of an aggregation window.
WINDOW_MINUTES = 10
#: The source of attempts made outside of an HTTP request (none in practice).
UNKNOWN_SOURCE = "unknown"
_UPSERT_SQL = """
INSERT INTO sicantik_audit_login_failure
       (source_key, window_start, login, user_id, unknown_logins, attempts)
VALUES (%s, %s, %s, %s, %s, 1)
ON CONFLICT (source_key, window_start, login)
DO UPDATE SET attempts = sicantik_audit_login_failure.attempts + 1,
              unknown_logins = sicantik_audit_login_failure.unknown_logins
                               + EXCLUDED.unknown_logins
"""


def window_start(moment, minutes=WINDOW_MINUTES):
    """The start of the window ``moment`` (naive UTC) falls in."""
    return moment.replace(
        minute=moment.minute - moment.minute % minutes, second=0, microsecond=0
    )


class SicantikAuditLoginFailure(models.Model):
    _name = "sicantik.audit.login.failure"
    _description = "SICANTIK failed login counter"
    _order = "window_start desc"
    _log_access = False

    source_key = fields.Char(
        string="Source",
        readonly=True,
        required=True,
        help="Salted SHA-256 of the IP address the attempts came from.",
    )
    window_start = fields.Datetime(readonly=True, required=True, index=True)
    login = fields.Char(
        readonly=True,
        required=True,
        help="Login of the existing user tried, or empty for unknown logins "
        "(which are never stored).",
    )
    user_id = fields.Integer(string="User ID", readonly=True, aggregator=None)
    unknown_logins = fields.Integer(
        readonly=True, help="Attempts whose login belongs to no user."
    )
    attempts = fields.Integer(readonly=True)

    _sql_constraints = [
        (
            "window_unique",
            "UNIQUE(source_key, window_start, login)",
            "One counter per source, window and login.",
        )
    ]

    @api.model
    def _audit_count(self, cr, source_key, user, now=None):
        """Count one failed attempt on cursor ``cr`` (one upsert, no event)."""
        now = now or datetime.now(timezone.utc).replace(tzinfo=None)
        cr.execute(
            _UPSERT_SQL,
            [
                source_key or UNKNOWN_SOURCE,
                window_start(now),
                user.login if user else "",
                user.id if user else None,
                0 if user else 1,
            ],
        )

    @api.model
    def _audit_flush(self, now=None):
        """One ``login.failed`` event per source and closed window; return how
        many were written.  The audited counters are deleted with the same
        commit, so a crash between the two can neither lose nor repeat one."""
        now = now or datetime.now(timezone.utc).replace(tzinfo=None)
        cr = self.env.cr
        cr.execute(
            """DELETE FROM sicantik_audit_login_failure
                WHERE window_start <= %s
            RETURNING source_key, window_start, login, user_id, unknown_logins,
                      attempts""",
            [window_start(now) - timedelta(minutes=WINDOW_MINUTES)],
        )
        windows = {}
        for source, start, login, user_id, unknown, attempts in cr.fetchall():
            window = windows.setdefault(
                (source, start), {"attempts": 0, "unknown": 0, "logins": {}}
            )
            window["attempts"] += attempts
            window["unknown"] += unknown
            if login:
                window["logins"][login] = window["logins"].get(login, 0) + attempts
                window.setdefault("user_ids", []).append(user_id)
        Event = self.env["sicantik.audit.event"]
        for (source, start), window in sorted(windows.items(), key=lambda i: i[0][1]):
            logins = sorted(window["logins"])
            Event.log(
                "login.failed",
                summary="{} failed login(s) from one source in {} minutes{}".format(
                    window["attempts"],
                    WINDOW_MINUTES,
                    " for " + ", ".join(logins) if logins else "",
                ),
                record=("res.users", window["user_ids"][0])
                if len(logins) == 1
                else None,
                details={
                    "source_key": source,
                    "window_start": fields.Datetime.to_string(start),
                    "window_minutes": WINDOW_MINUTES,
                    "attempts": window["attempts"],
                    "logins": window["logins"],
                    "unknown_login_attempts": window["unknown"],
                },
            )
        return len(windows)

    @api.model
    def _cron_flush(self):
        return self._audit_flush()
