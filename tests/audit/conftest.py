"""Fixtures for the sicantik_audit library tests: real S3, real PostgreSQL.

The library (``odoo_addons/sicantik_audit/lib``) imports no Odoo, so it is
loaded straight from its folder as the package ``sicantik_audit_lib``:
importing it through ``odoo.addons`` would import the addon's models too.

S3: when ``SICANTIK_S3_ENDPOINT`` is set (``tools/stack.py test`` or
``services``), that server is used; otherwise a SeaweedFS S3 server is started
for the session with ``tools/stack.py``'s ``S3Server``.  Objects go under a
random prefix per test, so tests never see each other's anchors.

PostgreSQL: the verifier is run over rows of a TEMPORARY table (gone when the
connection closes) in the harness's database, or ``postgres``.
"""

import importlib.util
import os
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LIB_DIR = REPO_ROOT / "odoo_addons" / "sicantik_audit" / "lib"


def _load(name, path, package=False):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name,
        path / "__init__.py" if package else path,
        submodule_search_locations=[str(path)] if package else None,
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


LIB = _load("sicantik_audit_lib", LIB_DIR, package=True)
STACK = _load("sicantik_stack_tools", REPO_ROOT / "tools" / "stack.py")

from sicantik_audit_lib import anchor_store, chain, masking  # noqa: E402


class S3Server(STACK.S3Server):
    """``tools/stack.py``'s server without SeaweedFS's extra listeners (Iceberg
    on 8181, Lance on 9101), so it starts beside another developer's server."""

    def start(self, timeout=90):
        original = STACK.Proc

        def proc(name, argv, *args, **kwargs):
            argv = [*argv, "-s3.port.iceberg=0", "-s3.port.lance=0"]
            return original(name, argv, *args, **kwargs)

        STACK.Proc = proc
        try:
            return super().start(timeout)
        finally:
            STACK.Proc = original


def getter(values):
    """A ``settings.get``-compatible accessor over a dict."""

    def get(name, default=None):
        value = values.get(name)
        return default if value in (None, "") else value

    return get


@pytest.fixture(scope="session")
def s3_env():
    """``s3_*`` settings of a running S3 server."""
    if os.environ.get("SICANTIK_S3_ENDPOINT"):
        yield {
            k[len("SICANTIK_") :].lower(): v
            for k, v in os.environ.items()
            if k.startswith("SICANTIK_S3_")
        }
        return
    work = Path(tempfile.mkdtemp(prefix="sicantik-audit-s3-"))
    server = S3Server(work, STACK.free_port(), "sicantik", "audit-secret", "audit-py")
    server.start()
    try:
        yield {k[len("SICANTIK_") :].lower(): v for k, v in server.env().items()}
    finally:
        server.stop()


@pytest.fixture()
def store(s3_env):
    prefix = f"sicantik-audit-pytest/{uuid.uuid4().hex}"
    result = anchor_store.AnchorStore.from_settings(getter(s3_env), prefix)
    result.ensure_bucket()
    return result


@pytest.fixture()
def pg():
    """A connection to real PostgreSQL (a TEMP table is used, nothing stays)."""
    import psycopg2

    dbname = os.environ.get("SICANTIK_TEST_ODOO_DB") or "postgres"
    conn = psycopg2.connect(
        host=os.environ.get("DB_HOST", "127.0.0.1"),
        port=int(os.environ.get("DB_PORT", 5432)),
        user=os.environ.get("DB_USER", "odoo"),
        password=os.environ.get("DB_PASSWORD", "odoo"),
        dbname=dbname,
    )
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


__all__ = ["anchor_store", "chain", "masking", "getter"]
