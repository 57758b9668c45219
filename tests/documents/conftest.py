"""Fixtures for the sicantik_documents library tests: a real S3 server.

The library (``odoo_addons/sicantik_documents/lib``) imports no Odoo, so it is
loaded here straight from its folder as the package ``sicantik_documents_lib``:
importing it through ``odoo.addons`` would import the addon's models too.

S3: when ``SICANTIK_S3_ENDPOINT`` is set (``tools/stack.py test`` or
``services``), that server is used; otherwise a SeaweedFS S3 server is started
for the session with ``tools/stack.py``'s ``S3Server``.  Each test gets its own
fresh bucket, so tests never see each other's objects.
"""

import uuid

import pytest
from support import ADDONS, getter, load_lib, running_s3_server

LIB_DIR = ADDONS / "sicantik_documents" / "lib"
LIB = load_lib("sicantik_documents")

from sicantik_documents_lib import crypto, scanner, store  # noqa: E402


@pytest.fixture(scope="session")
def private_s3_env():
    """A server of our own, for tests that write a lot or create buckets.

    SeaweedFS gives each bucket its own volumes and the harness's server has
    few of them: the 128 MB test and the bucket-creation test must not use up
    the space every other addon's tests share.
    """
    with running_s3_server("docs-private") as env:
        yield env


@pytest.fixture()
def doc_store(s3_env):
    """A store on the session's bucket.

    Not a bucket per test: SeaweedFS gives every bucket its own volumes and
    runs out of them after a few dozen; tests use random permit ids instead.
    """
    return store.DocumentStore.from_settings(getter(s3_env))


@pytest.fixture()
def pid():
    """A permit id no other test (or earlier run on a shared server) used."""
    return uuid.uuid4().int % 10**12


@pytest.fixture()
def keyring():
    return crypto.Keyring.from_settings(
        getter({"doc_key": crypto.generate_key(), "doc_key_id": "k2026"})
    )


__all__ = ["crypto", "scanner", "store", "getter"]
