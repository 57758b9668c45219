import json
import os
import subprocess
import sys
from pathlib import Path

import odoo
from odoo.tests import TransactionCase, tagged
from odoo.tools import config

from ..cli.sicantik_audit import ACTIONS, run_action


@tagged("post_install", "-at_install")
class TestCommand(TransactionCase):
    def test_verify_archive_without_checkpoints(self):
        status, report = run_action(self.env, "verify-archive")
        self.assertEqual((status, report["ok"]), (0, True))

    def test_unknown_action(self):
        self.assertNotIn("repair", ACTIONS)
        with self.assertRaises(ValueError):
            run_action(self.env, "repair")

    def test_odoo_bin_verify(self):
        """The real command, as monitoring runs it: one JSON line, exit 0.

        It sees only committed data, which the other tests leave intact.
        """
        odoo_bin = Path(odoo.__file__).resolve().parent.parent / "odoo-bin"
        argv = [
            sys.executable,
            str(odoo_bin),
            f"--addons-path={config['addons_path']}",
            "sicantik_audit",
            "verify",
            "-d",
            self.env.cr.dbname,
            "--no-http",
            "--log-level=warn",
        ]
        if config.get("config"):
            argv.append(f"--config={config['config']}")
        for key in ("db_host", "db_port", "db_user", "db_password"):
            if config.get(key):
                argv.append(f"--{key}={config[key]}")
        proc = subprocess.run(
            argv, capture_output=True, text=True, timeout=180, env=dict(os.environ)
        )
        lines = proc.stdout.strip().splitlines()
        self.assertTrue(lines, proc.stderr[-2000:])
        report = json.loads(lines[-1])
        self.assertEqual(proc.returncode, 0, report)
        self.assertTrue(report["ok"])
