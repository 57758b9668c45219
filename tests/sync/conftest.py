"""Fixtures for the sync library tests: real, throw-away MariaDB databases.

The library (``odoo_addons/sicantik_sync/lib``) imports no Odoo code; it is
loaded here as the package ``sicantik_sync_lib`` so these tests need neither
Odoo nor a PostgreSQL database.  Source databases are generated with the
project's sandbox generator and dropped after the module.
"""

from __future__ import annotations

import os

import pytest
from support import load_lib

from sandbox.sicantik.admin import admin_connect, admin_sql, db_url

load_lib("sicantik_sync")

__all__ = ["admin_connect", "admin_sql", "db_url"]


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
