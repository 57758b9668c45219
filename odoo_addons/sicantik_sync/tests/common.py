"""Throw-away SICANTIK databases for the sync tests.

Why not the harness database only: tests must mutate their source (new
workflow steps, deleted rows, killed connections), and the database the harness
exports (``SICANTIK_MYSQL_DATABASE``) is shared by every test class.  Each
class therefore generates its own small ``--dirty`` sandbox database with the
project's generator (``python -m sandbox.sicantik``) through the admin URL,
configures a SELECT-only account on it as the deployment's SICANTIK URL (the
engine takes no URL from its callers), and drops both afterwards.  The
harness database is still used read-only for the read-only proofs.
"""

import json
import os
import select
import socket
import subprocess
import sys
import unittest
import zlib
from pathlib import Path
from unittest.mock import patch

from odoo.tests import TransactionCase, new_test_user

from sandbox.sicantik.admin import admin_sql, db_url

from ..lib import source as source_lib

REPO_ROOT = Path(__file__).resolve().parents[3]


def sandbox(*args):
    """Run the sandbox generator CLI; return its JSON summary."""
    proc = subprocess.run(
        [sys.executable, "-m", "sandbox.sicantik", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode:
        raise RuntimeError(f"sandbox {args[0]} failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def configured_url(url):
    """Point the deployment setting at ``url``, as an operator would.

    The engine reads SICANTIK at the configured URL only (no caller passes
    one), so tests configure it: ``SICANTIK_MYSQL_URL`` wins over odoo.conf.
    """
    return patch.dict(os.environ, {"SICANTIK_MYSQL_URL": url})


def rpc(env, model, method, args=(), kwargs=None):
    """Call ``model.method`` exactly as ``/web/dataset/call_kw`` does.

    The attack tests go through this door: the public-method check of
    :func:`odoo.service.model.get_public_method`, then :func:`odoo.api.call_kw`
    with whatever arguments an attacker sends.
    """
    from odoo.api import call_kw
    from odoo.service.model import get_public_method

    records = env[model]
    get_public_method(records, method)
    return call_kw(records, method, list(args), dict(kwargs or {}))


def make_unit_users(env, base, login_prefix):
    """Units A and B and one user per role, officers A and B limited to one each.

    The unit-visibility tests of several addons (permits, reminders) need the
    same cast; ``officer_none`` has no unit, the higher roles none either.
    Returns ``(unit_a, unit_b, users)``.
    """
    Unit = env["sicantik.unit"]
    unit_a = Unit.create({"sicantik_id": base + 1, "name": "UNIT A"})
    unit_b = Unit.create({"sicantik_id": base + 2, "name": "UNIT B"})
    groups = {
        "officer_a": "sicantik_base.group_petugas",
        "officer_b": "sicantik_base.group_petugas",
        "officer_none": "sicantik_base.group_petugas",
        "pejabat": "sicantik_base.group_pejabat",
        "auditor": "sicantik_base.group_auditor",
        "admin": "sicantik_base.group_admin",
    }
    users = {
        name: new_test_user(env, login=f"{login_prefix}_{name}", groups=group)
        for name, group in groups.items()
    }
    users["officer_a"].sicantik_unit_ids = unit_a
    users["officer_b"].sicantik_unit_ids = unit_b
    return unit_a, unit_b, users


class RogueServer:
    """A listening TCP socket on a free local port (the rogue MySQL)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]

    def url(self, query="local_infile=1"):
        return f"mysql+pymysql://a:b@127.0.0.1:{self.port}/x?{query}"

    def connections(self):
        """Connections the kernel accepted on our behalf since the start."""
        count = 0
        while select.select([self.sock], [], [], 0.2)[0]:
            conn, _addr = self.sock.accept()
            conn.close()
            count += 1
        return count

    def close(self):
        self.sock.close()


class SicantikSourceCase(TransactionCase):
    """A TransactionCase owning a freshly generated dirty SICANTIK database."""

    permits = 60
    seed = 11

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not (REPO_ROOT / "sandbox" / "sicantik").is_dir():
            raise unittest.SkipTest("sandbox generator not available")
        cls.source_db = f"sicantik_t_sync_{os.getpid()}_{cls.__name__.lower()}"[:60]
        cls.url = db_url(cls.source_db)
        sandbox(
            "generate",
            "--url",
            cls.url,
            "--permits",
            str(cls.permits),
            "--seed",
            str(cls.seed),
            "--dirty",
            "--reset",
        )
        cls.addClassCleanup(cls._drop_source)
        # the deployment's configuration: a SELECT-only account (the sync
        # reads with it; the tests damage the source through the admin URL)
        cls.ro_user = f"sync_t_{os.getpid()}_{zlib.crc32(cls.__name__.encode())}"
        admin_sql(None, f"DROP USER IF EXISTS '{cls.ro_user}'@'%'")
        admin_sql(None, f"CREATE USER '{cls.ro_user}'@'%' IDENTIFIED BY 'ro-t-pass'")
        admin_sql(None, f"GRANT SELECT ON `{cls.source_db}`.* TO '{cls.ro_user}'@'%'")
        cls.ro_url = db_url(cls.source_db, cls.ro_user, "ro-t-pass")
        cls.startClassPatcher(configured_url(cls.ro_url))
        cls.sync = cls.env["sicantik.sync"]

    @classmethod
    def _drop_source(cls):
        source_lib.dispose_all()
        admin_sql(None, f"DROP DATABASE IF EXISTS `{cls.source_db}`")
        if getattr(cls, "ro_user", None):
            admin_sql(None, f"DROP USER IF EXISTS '{cls.ro_user}'@'%'")

    def src(self, sql, params=None):
        return admin_sql(self.source_db, sql, params)

    def cycle(self, kind="sync", url=None):
        with configured_url(url or self.ro_url):
            result = self.sync.run_cycle(kind=kind, commit=False)
        self.assertEqual(result["status"], "done", result)
        return result["run"]

    def hashes(self, model):
        table = self.env[model]._table
        self.env.flush_all()
        query = f"SELECT sicantik_id, row_hash FROM {table}"
        self.env.cr.execute(query)  # pylint: disable=sql-injection
        return dict(self.env.cr.fetchall())

    def open_quarantine(self):
        return {
            (q.source_table, q.source_id)
            for q in self.env["sicantik.sync.quarantine"].search(
                [("resolved", "=", False)]
            )
        }
