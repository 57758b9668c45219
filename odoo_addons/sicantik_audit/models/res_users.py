"""Failed logins enter the audit trail, aggregated.

Why a separate cursor: ``res.users._login`` runs in its own transaction that is
rolled back when the credentials are wrong, so anything written there would
vanish with it.  The attempt is counted in a short transaction of its own,
committed, after the login transaction is closed; one ``login.failed`` event per
source and window follows when the window closes
(``models/audit_login_failure.py``).  The password is never recorded; the
attempted login is kept only when it belongs to an existing user — a password
typed into the login field by mistake must not end up in an append-only trail.
"""

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
                events = env["sicantik.audit.event"]
                source = events._audit_visitor_key(events._audit_request().get("ip"))
                env["sicantik.audit.login.failure"]._audit_count(cr, source, user)
        except Exception:
            # The user gets AccessDenied anyway; the missing count is reported
            # loudly in the server log rather than masking the login error.
            _logger.exception("Could not count the failed login for the audit")
