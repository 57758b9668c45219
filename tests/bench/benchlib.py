"""What the benches share: PostgreSQL settings of the Odoo config, and a
throw-away Odoo database with one addon (and its dependencies) installed.

Import after ``odoo.tools.config`` was parsed (the benches do that first).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pg_env():
    """The environment for ``dropdb``/``psql``: Odoo's configured server."""
    from odoo.tools import config

    env = dict(os.environ)
    env.update(
        PGHOST=str(config["db_host"] or "127.0.0.1"),
        PGPORT=str(config["db_port"] or 5432),
        PGUSER=str(config["db_user"] or "odoo"),
        PGPASSWORD=str(config["db_password"] or ""),
    )
    return env


def drop_database(database):
    subprocess.run(["dropdb", "--if-exists", database], check=False, env=pg_env())


def install_odoo(config_path, database, module, http_port):
    """A new ``database`` with ``module`` installed, by Odoo's own command."""
    import odoo

    drop_database(database)
    subprocess.run(
        [
            sys.executable,
            str(Path(odoo.__file__).resolve().parents[1] / "odoo-bin"),
            "-c",
            config_path,
            "--addons-path=" + str(ROOT / "odoo_addons"),
            "-d",
            database,
            "-i",
            module,
            "--stop-after-init",
            "--max-cron-threads=0",
            f"--http-port={http_port}",
            "--log-level=warn",
        ],
        check=True,
        cwd=ROOT,
    )
