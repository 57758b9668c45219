"""Fixtures for the sicantik_documents library tests: a real S3 server.

The library (``odoo_addons/sicantik_documents/lib``) imports no Odoo, so it is
loaded here straight from its folder as the package ``sicantik_documents_lib``:
importing it through ``odoo.addons`` would import the addon's models too.

S3: when ``SICANTIK_S3_ENDPOINT`` is set (``tools/stack.py test`` or
``services``), that server is used; otherwise a SeaweedFS S3 server is started
for the session with ``tools/stack.py``'s ``S3Server``.  Each test gets its own
fresh bucket, so tests never see each other's objects.
"""

import contextlib
import importlib.util
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LIB_DIR = REPO_ROOT / "odoo_addons" / "sicantik_documents" / "lib"


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


LIB = _load("sicantik_documents_lib", LIB_DIR, package=True)
STACK = _load("sicantik_stack_tools", REPO_ROOT / "tools" / "stack.py")

from sicantik_documents_lib import crypto, scanner, store  # noqa: E402


class S3Server(STACK.S3Server):
    """``tools/stack.py``'s server, with SeaweedFS's extra listeners disabled.

    ``weed -s3`` also opens an Iceberg catalog on 8181 and a Lance server on
    9101 by default, so a second server on the machine (another developer's,
    a parallel CI job) dies at start.  Passing port 0 turns both off, and
    ``-volume.max=0`` sizes the volume count by free disk (the default 8 runs
    out after a few hundred MB once several buckets exist); the flags are
    appended to the harness's command line for this server only.
    """

    def start(self, timeout=90):
        original = STACK.Proc

        def proc(name, argv, *args, **kwargs):
            argv = [*argv, "-s3.port.iceberg=0", "-s3.port.lance=0", "-volume.max=0"]
            return original(name, argv, *args, **kwargs)

        STACK.Proc = proc
        try:
            return super().start(timeout)
        finally:
            STACK.Proc = original


@contextlib.contextmanager
def running_s3_server(bucket):
    """A private S3 server in a temporary folder, removed afterwards."""
    work = tempfile.mkdtemp(prefix="sicantik-docs-s3-")
    server = S3Server(Path(work), STACK.free_port(), "sicantik", "docs-secret", bucket)
    server.start()
    try:
        yield {k[len("SICANTIK_") :].lower(): v for k, v in server.env().items()}
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def s3_env():
    """``SICANTIK_S3_*``-style settings of a running S3 server."""
    if os.environ.get("SICANTIK_S3_ENDPOINT"):
        yield {
            k[len("SICANTIK_") :].lower(): v
            for k, v in os.environ.items()
            if k.startswith("SICANTIK_S3_")
        }
        return
    with running_s3_server("docs-pytest") as env:
        yield env


@pytest.fixture(scope="session")
def private_s3_env():
    """A server of our own, for tests that write a lot or create buckets.

    SeaweedFS gives each bucket its own volumes and the harness's server has
    few of them: the 128 MB test and the bucket-creation test must not use up
    the space every other addon's tests share.
    """
    with running_s3_server("docs-private") as env:
        yield env


def getter(values):
    """A ``settings.get``-compatible accessor over a dict."""

    def get(name, default=None):
        value = values.get(name)
        return default if value in (None, "") else value

    return get


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
