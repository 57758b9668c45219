"""sicantik_applicant's plain-Python library, loaded without Odoo, and the
WhatsApp gateway double (one real process per module)."""

import pytest
from support import load_lib

from sandbox.whatsapp.runner import start_gateway

load_lib("sicantik_applicant")


@pytest.fixture(scope="module")
def gateway():
    running = start_gateway()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture()
def gw(gateway):
    gateway.reset()
    return gateway
