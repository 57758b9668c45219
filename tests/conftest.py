"""Session fixtures every suite may use: a real S3 server."""

import os

import pytest
from support import running_s3_server, settings_of


@pytest.fixture(scope="session")
def s3_env():
    """``s3_*`` settings of a running S3 server.

    Under ``make test`` the harness's server (``SICANTIK_S3_*``); run alone, a
    private SeaweedFS server started for the session.
    """
    if os.environ.get("SICANTIK_S3_ENDPOINT"):
        yield {k: v for k, v in settings_of(os.environ).items() if k.startswith("s3_")}
        return
    with running_s3_server("pytest-shared") as env:
        yield env
