"""Fixtures for the sicantik_bsre library tests: the real BSrE sandbox.

The library (``odoo_addons/sicantik_bsre/lib``) imports no Odoo, so it is
loaded straight from its folder as the package ``sicantik_bsre_lib``:
importing it through ``odoo.addons`` would import the addon's models too.

One sandbox process serves the whole session (starting it creates a PKI, which
takes a moment); its runtime state — faults, call log, downloads — is reset
before every test so tests never see each other's calls.
"""

import pytest
import requests
from support import load_lib

LIB = load_lib("sicantik_bsre")

from sandbox.bsre import pdfsample  # noqa: E402
from sandbox.bsre.runner import start_sandbox  # noqa: E402

ISSUE_NIK = "1206010101800001"
PASSPHRASE = "Sandbox#123"


def make_pdf(*lines, pages=1):
    return pdfsample.make_pdf([[*lines, f"Halaman {i + 1}"] for i in range(pages)])


@pytest.fixture(scope="session")
def sandbox():
    sb = start_sandbox(port=0)
    try:
        yield sb
    finally:
        sb.stop()


class Admin:
    """The sandbox's admin endpoints: faults, call log, reset."""

    def __init__(self, sb):
        self.sb = sb
        self.session = requests.Session()
        self.session.auth = sb.auth

    def reset(self):
        self.session.post(
            self.sb.url + "/_sandbox/reset", timeout=10
        ).raise_for_status()

    def faults(self, **knobs):
        url = self.sb.url + "/_sandbox/faults"
        self.session.post(url, json=knobs, timeout=10).raise_for_status()

    def log(self, **filters):
        url = self.sb.url + "/_sandbox/log"
        response = self.session.get(url, params=filters, timeout=10)
        response.raise_for_status()
        body = response.json()
        return body["calls"] if isinstance(body, dict) else body

    def outbox(self):
        """One-time codes the sandbox "e-mailed" to users."""
        response = self.session.get(self.sb.url + "/_sandbox/outbox", timeout=10)
        response.raise_for_status()
        return response.json()

    def ca_pem(self):
        return self.session.get(self.sb.url + "/_sandbox/ca.pem", timeout=10).content


@pytest.fixture()
def admin(sandbox):
    adm = Admin(sandbox)
    adm.reset()
    yield adm
    adm.session.close()


@pytest.fixture()
def client(sandbox, admin):
    from sicantik_bsre_lib.client import BsreClient

    with BsreClient(
        sandbox.url, *sandbox.auth, retries=3, backoff=0.01, backoff_cap=0.05
    ) as c:
        yield c


@pytest.fixture()
def client_v1(sandbox, admin):
    from sicantik_bsre_lib.client import BsreClient

    with BsreClient(
        sandbox.url, *sandbox.auth, api_version="v1", backoff=0.01, backoff_cap=0.05
    ) as c:
        yield c


@pytest.fixture(scope="session")
def trust_roots(sandbox):
    from sicantik_bsre_lib.offline_verify import load_trust_roots

    return load_trust_roots(
        requests.get(sandbox.url + "/_sandbox/ca.pem", timeout=10).content
    )
