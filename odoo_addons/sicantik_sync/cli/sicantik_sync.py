"""``odoo-bin sicantik_sync {run,recheck,reconcile,health} -d DB``.

Runs one sync cycle (or a full re-check, or the reconciliation) against the
given Odoo database and prints a one-line JSON summary on stdout; Odoo's log
goes to stderr.  Odoo finds this command because the addon has a ``cli``
folder (``odoo/cli/command.py`` imports such addons before dispatching), so
pass ``--addons-path`` first:
``odoo-bin --addons-path=… sicantik_sync run -d DB``.
The exit status is 0 on success, 1 when the run failed or differences exist.

SICANTIK is read at the configured URL only (``SICANTIK_MYSQL_URL`` or
``sicantik_mysql_url`` of odoo.conf): set the environment variable for a
one-off run against another source.  The command takes no URL so that the
engine's entry points never need one.
"""

import argparse
import json
import sys

import odoo
from odoo.cli.command import Command
from odoo.tools import config


class SicantikSyncCommand(Command):
    """Run one SICANTIK sync cycle, re-check or reconciliation (JSON output)"""

    name = "sicantik_sync"

    def run(self, cmdargs):
        parser = argparse.ArgumentParser(
            prog="odoo-bin sicantik_sync", description=self.__doc__
        )
        parser.add_argument("action", choices=["run", "recheck", "reconcile", "health"])
        parser.add_argument("-d", "--database", required=True)
        parser.add_argument("-c", "--config", dest="config")
        args, rest = parser.parse_known_args(cmdargs)
        odoo_args = ["-d", args.database] + rest
        if args.config:
            odoo_args = ["-c", args.config] + odoo_args
        config.parse_config(odoo_args, setup_logging=True)
        registry = odoo.modules.registry.Registry(args.database)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            result = self._dispatch(env, args)
        sys.stdout.write(json.dumps(result, default=str, sort_keys=True) + "\n")
        sys.stdout.flush()
        if not result.get("ok"):
            sys.exit(1)

    def _dispatch(self, env, args):
        from odoo.addons.sicantik_sync.lib.source import SourceError
        from odoo.addons.sicantik_sync.wizards.sicantik_sync_reconcile import (
            reconcile_env,
            report_summary,
        )

        sync = env["sicantik.sync"]
        if args.action == "health":
            return dict(sync.health(), ok=True)
        if args.action == "reconcile":
            try:
                report = reconcile_env(env)
            except SourceError as exc:
                return {"ok": False, "error": str(exc)}
            summary = report_summary(report)
            ok = all(r["in_sync"] for r in summary.values())
            env["sicantik.audit.event"].log(
                "sync.reconcile", summary="reconciliation (CLI)", details=summary
            )
            env.cr.commit()  # pylint: disable=invalid-commit
            return {"ok": ok, "entities": summary}
        result = sync.run_cycle(kind=args.action.replace("run", "sync"))
        run = result.get("run")
        out = run._summary() if run else {}
        out["ok"] = result["status"] == "done"
        if result["status"] == "locked":
            out["state"] = "locked"
        return out
