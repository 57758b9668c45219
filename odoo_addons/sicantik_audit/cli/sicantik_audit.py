"""``odoo-bin sicantik_audit <action> -d DB``.

Actions: ``verify``, ``anchor``, ``seal``, ``verify-archive``, ``archive``, and
``lockdown``/``unlock`` (make the audit tables owned by a role Odoo is not, see
``lib/lockdown.py``; they connect with the superuser DSN of the environment
variable ``SICANTIK_AUDIT_LOCKDOWN_DSN``, which Odoo itself never needs).

Why a command and not only the button: an external auditor, or a monitoring
job, must be able to check the trail without a browser and without trusting the
Odoo UI — one line of JSON on stdout and an exit status (0 intact, 1 broken,
2 error) is what a shell script or a monitoring probe understands.  Every other
Odoo option (``-c``, ``--db_host``…) is accepted after the sub-command.
"""

import json
import logging
import sys

import odoo
from odoo.cli import Command

_logger = logging.getLogger(__name__)

ACTIONS = (
    "verify",
    "anchor",
    "seal",
    "verify-archive",
    "archive",
    "lockdown",
    "unlock",
)
USAGE = "usage: odoo-bin sicantik_audit {{{}}} -d DATABASE [odoo options]".format(
    "|".join(ACTIONS)
)
#: Who the events of this command are attributed to.
CLI_NAME = "odoo-bin sicantik_audit"


def run_lockdown(env, action, dsn=None):
    """``lockdown``/``unlock`` the audit tables of ``env``'s database.

    Odoo's role is the one ``env``'s cursor is connected as; the superuser
    connection comes from ``dsn`` or ``SICANTIK_AUDIT_LOCKDOWN_DSN`` (with the
    database name replaced by ``env``'s).
    """
    import psycopg2

    from odoo.addons.sicantik_base.lib import settings

    from ..lib import lockdown

    dsn = dsn or settings.get("audit_lockdown_dsn")
    if not dsn:
        raise lockdown.LockdownError(
            "SICANTIK_AUDIT_LOCKDOWN_DSN (a superuser connection) is not set"
        )
    env.cr.execute("SELECT current_user")
    app_role = env.cr.fetchone()[0]
    conn = psycopg2.connect(dsn, dbname=env.cr.dbname)
    try:
        if action == "lockdown":
            return lockdown.lockdown(conn, app_role)
        return lockdown.unlock(conn, app_role)
    finally:
        conn.close()


def run_action(env, action):
    """Run one action in ``env``; return ``(exit_status, report_dict)``."""
    from ..models.audit_event import CLI_ACTOR

    token = CLI_ACTOR.set(CLI_NAME)
    try:
        return _run_action(env, action)
    finally:
        CLI_ACTOR.reset(token)


def _run_action(env, action):
    if action in ("lockdown", "unlock"):
        # Committed first: the superuser connection must not wait on our locks.
        env.cr.commit()  # pylint: disable=invalid-commit
        report = run_lockdown(env, action)
        return 0, report
    events = env["sicantik.audit.event"].sudo()
    if action in ("verify", "anchor", "seal"):
        # Chain what is committed but not yet sealed, so that it is checked.
        sealed = events._audit_seal_committed()
    if action == "seal":
        report = {"ok": True, "sealed": sealed, **events._audit_pending()}
    elif action == "verify":
        report = events._audit_verify_chain()
        events.log(
            "audit.verify",
            summary="Chain verified from the command line: "
            + ("OK" if report["ok"] else f"BROKEN at #{report['broken_sequence']}"),
            details=report,
        )
    elif action == "verify-archive":
        report = events._audit_verify_archives()
    elif action == "anchor":
        report = dict(events._audit_anchor(), ok=True)
    elif action == "archive":
        report = dict(events._audit_archive_batch(), ok=True)
    else:
        raise ValueError(action)
    return (0 if report.get("ok") else 1), report


class SicantikAudit(Command):
    """Verify, anchor or archive the SICANTIK audit chain (JSON on stdout)"""

    name = "sicantik_audit"

    def run(self, cmdargs):
        if not cmdargs or cmdargs[0] not in ACTIONS:
            sys.stderr.write(USAGE + "\n")
            sys.exit(2)
        action, rest = cmdargs[0], cmdargs[1:]
        odoo.tools.config.parse_config(rest, setup_logging=True)
        dbname = odoo.tools.config["db_name"]
        if not dbname:
            sys.stderr.write(USAGE + "\n")
            sys.exit(2)
        if isinstance(dbname, list | tuple):
            dbname = dbname[0]
        dbname = dbname.split(",")[0]
        try:
            registry = odoo.modules.registry.Registry(dbname)
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                status, report = run_action(env, action)
        except Exception as exc:  # noqa: BLE001 - reported as JSON, exit 2
            _logger.exception("sicantik_audit %s failed", action)
            status, report = 2, {"ok": False, "error": str(exc)}
        sys.stdout.write(json.dumps(report, sort_keys=True, default=str) + "\n")
        sys.stdout.flush()
        sys.exit(status)
