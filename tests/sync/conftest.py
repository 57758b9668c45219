"""Fixtures for the sync library tests: real, throw-away MariaDB databases.

The library (``odoo_addons/sicantik_sync/lib``) imports no Odoo code; it is
loaded here as the package ``sicantik_sync_lib`` so these tests need neither
Odoo nor a PostgreSQL database.  Source databases are generated with the
project's sandbox generator and dropped after the module.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pymysql
import pytest
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parents[2]
LIB_DIR = REPO_ROOT / "odoo_addons" / "sicantik_sync" / "lib"
ADMIN_URL = os.environ.get(
    "SICANTIK_MYSQL_ADMIN_URL", "mysql+pymysql://root@127.0.0.1:3306/"
)
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def _load_lib():
    if "sicantik_sync_lib" in sys.modules:
        return sys.modules["sicantik_sync_lib"]
    spec = importlib.util.spec_from_file_location(
        "sicantik_sync_lib",
        LIB_DIR / "__init__.py",
        submodule_search_locations=[str(LIB_DIR)],
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["sicantik_sync_lib"] = module
    spec.loader.exec_module(module)
    return module


_load_lib()


def db_url(database, user=None, password=None):
    url = make_url(ADMIN_URL).set(database=database)
    if user:
        url = url.set(username=user, password=password)
    return url.render_as_string(hide_password=False)


def admin_sql(database, sql, params=None):
    url = make_url(ADMIN_URL)
    conn = pymysql.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        database=database,
        autocommit=True,
    )
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="session")
def dirty_db():
    """A generated dirty SICANTIK database: (name, root URL)."""
    from sandbox.sicantik import generator

    name = f"sicantik_t_sync_py{os.getpid()}"
    url = db_url(name)
    generator.generate(url, 80, 21, dirty=True, reset=True)
    yield name, url
    from sicantik_sync_lib import source

    source.dispose_all()
    admin_sql(None, f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture(scope="session")
def ro_url(dirty_db):
    """URL of a SELECT-only account on the dirty database."""
    name, _url = dirty_db
    user = f"sync_ro_py{os.getpid()}"[:30]
    admin_sql(None, f"DROP USER IF EXISTS '{user}'@'%'")
    admin_sql(None, f"CREATE USER '{user}'@'%' IDENTIFIED BY 'ro-py-pass'")
    admin_sql(None, f"GRANT SELECT ON `{name}`.* TO '{user}'@'%'")
    yield db_url(name, user, "ro-py-pass")
    admin_sql(None, f"DROP USER IF EXISTS '{user}'@'%'")


@pytest.fixture(name="admin_sql")
def admin_sql_fixture():
    """Run SQL as the MariaDB admin (to damage or inspect a source)."""
    return admin_sql
