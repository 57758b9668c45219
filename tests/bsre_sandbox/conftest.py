"""Fixtures for the BSrE sandbox tests: one real sandbox process per module.

The repository root is put on ``sys.path`` here because the tests import the
``sandbox`` package (runner, sample PDFs) and pytest only adds the test's own
directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sandbox.bsre.runner import RunningSandbox, start_sandbox  # noqa: E402


@pytest.fixture(scope="module")
def sandbox() -> RunningSandbox:
    sb = start_sandbox(port=0)
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture()
def api(sandbox):
    """A ``requests`` session authenticated like a client application.

    The sandbox's runtime state (faults, call log, downloads, outbox, added
    users) is reset before each test so tests don't leak into each other.
    """
    with requests.Session() as session:
        session.auth = sandbox.auth
        reset = session.post(sandbox.url + "/_sandbox/reset", timeout=10)
        assert reset.status_code == 200, reset.text
        session.base = sandbox.url
        yield session
