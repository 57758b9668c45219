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

import os
import uuid

import pytest
from support import getter, load_lib

LIB = load_lib("sicantik_audit")

from sicantik_audit_lib import anchor_store, chain, masking  # noqa: E402


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
