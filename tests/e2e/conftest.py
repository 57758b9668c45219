"""End-to-end fixtures: a real Odoo server on the test database, a real browser.

`make test` installs every addon into a throw-away database (SICANTIK_TEST_ODOO_DB)
before pytest starts; here that database is served by a separate `odoo-bin`
process on a free port, exactly as `make run` serves it, and Debian's Chromium is
driven headless by Playwright (no browser download: the machines this project
runs on reach package registries only).  Every step saves a screenshot under
`test-output/e2e/`.
"""

import os
import resource
import shutil
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import stack  # noqa: E402


def _chromium():
    # Debian's /usr/bin/chromium is a shell wrapper that Playwright cannot drive;
    # the binary it wraps lives under /usr/lib/chromium.
    for candidate in (
        os.environ.get("SICANTIK_CHROMIUM"),
        "/usr/lib/chromium/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def odoo_db():
    db = os.environ.get("SICANTIK_TEST_ODOO_DB")
    if not db:
        pytest.fail("SICANTIK_TEST_ODOO_DB is not set: run the suite with `make test`")
    return db


@pytest.fixture(scope="session")
def odoo_url(odoo_db, tmp_path_factory):
    """Serve the test database with a real Odoo HTTP server for the session."""
    conf = stack.read_conf()
    port = stack.free_port()
    logfile = Path(os.environ.get("SICANTIK_TEST_OUTPUT", tmp_path_factory.mktemp("o")))
    argv = stack.odoo_argv(
        conf,
        "-d",
        odoo_db,
        f"--db-filter=^{odoo_db}$",
        f"--http-port={port}",
        f"--gevent-port={stack.free_port()}",
        "--max-cron-threads=0",
        "--workers=0",
        "--log-level=warn",
    )
    proc = stack.Proc("odoo-e2e", argv, logfile / "odoo-e2e.log", env=stack.odoo_env())
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        if not proc.alive():
            pytest.fail(f"Odoo server exited:\n{proc.tail()}")
        try:
            if requests.get(f"{url}/web/login", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.5)
    else:
        proc.stop()
        pytest.fail(f"Odoo server not ready:\n{proc.tail()}")
    yield url
    proc.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # pytest-odoo started Odoo in this process, and Odoo caps the address space
    # (limit_memory_hard, RLIMIT_AS); Chromium reserves far more virtual memory
    # than it uses and dies at launch under that cap, so lift it for children.
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    executable = _chromium()
    if not executable:
        pytest.fail("Chromium not found: install Debian's `chromium` (.ci/run does)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


class Shots:
    """Numbered screenshots of one scenario, under test-output/e2e/<scenario>/."""

    def __init__(self, name):
        base = Path(os.environ.get("SICANTIK_TEST_OUTPUT", ROOT / "test-output"))
        self.folder = base / "e2e" / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page, label):
        self.count += 1
        path = self.folder / f"{self.count:02d}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request):
    return Shots(request.node.name)
