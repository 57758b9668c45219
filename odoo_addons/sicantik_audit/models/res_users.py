"""Failed logins enter the audit trail.

Why a separate cursor: ``res.users._login`` runs in its own transaction that is
rolled back when the credentials are wrong, so an event logged there would
vanish with it.  The event is written in a short transaction of its own,
committed, after the login transaction is closed.  The password is never
logged; the attempted login is kept only when it belongs to an existing
user — a password typed into the login field by mistake must not end up in an
append-only trail.
"""

import hashlib
import logging

from odoo import SUPERUSER_ID, api, models
from odoo.exceptions import AccessDenied

_logger = logging.getLogger(__name__)


class ResUsers(models.Model):
    _inherit = "res.users"

    @classmethod
    def _login(cls, db, credential, user_agent_env):
        try:
            return super()._login(db, credential, user_agent_env)
        except AccessDenied:
            cls._sicantik_audit_login_failed(credential)
            raise

    @classmethod
    def _sicantik_audit_login_failed(cls, credential):
        login = (credential or {}).get("login") or ""
        try:
            with cls.pool.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                user = (
                    env["res.users"]
                    .with_context(active_test=False)
                    .search([("login", "=", login)], limit=1)
                    if login
                    else env["res.users"]
                )
                details = {"credential_type": (credential or {}).get("type")}
                if user:
                    details["login"] = user.login
                    details["user_id"] = user.id
                else:
                    details["unknown_login_sha256"] = hashlib.sha256(
                        login.encode("utf-8")
                    ).hexdigest()[:16]
                env["sicantik.audit.event"].log(
                    "login.failed",
                    summary="Login failed for {}".format(
                        user.login if user else "an unknown login"
                    ),
                    record=user if user else None,
                    details=details,
                    actor={"type": "public", "login": user.login if user else None},
                )
        except Exception:
            # The user gets AccessDenied anyway; the missing event is reported
            # loudly in the server log rather than masking the login error.
            _logger.exception("Could not write the login.failed audit event")
