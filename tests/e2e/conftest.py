"""End-to-end fixtures: a real Odoo server on the test database, a real browser.

`make test` installs every addon into a throw-away database (SICANTIK_TEST_ODOO_DB)
before pytest starts; here that database is served by a separate `odoo-bin`
process on a free port, exactly as `make run` serves it, and Debian's Chromium is
driven headless by Playwright (no browser download: the machines this project
runs on reach package registries only).  Every step saves a screenshot under
`test-output/e2e/`.
"""

import base64
import json
import os
import resource
import shutil
import subprocess
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


#: Every document version is encrypted at rest; `make test` gives a throw-away
#: key, and when the suite runs without one every Odoo process started here gets
#: the same (the pytest process's own environment is left alone).
SESSION_ENV = (
    {}
    if os.environ.get("SICANTIK_DOC_KEY")
    else {
        "SICANTIK_DOC_KEY": base64.b64encode(os.urandom(32)).decode(),
        "SICANTIK_DOC_KEY_ID": "e2e",
    }
)
#: Logins and passwords of the people the scenarios play (throw-away database).
PETUGAS = {"login": "e2e_petugas", "password": "e2e-Petugas-pw", "name": "Rina Petugas"}
PEJABAT = {"login": "e2e_pejabat", "password": "e2e-Pejabat-pw", "name": "Budi Santoso"}
#: The sandbox's seeded ISSUE signer (sandbox/bsre/README.md).
PEJABAT_NIK = "1206010101800001"
PEJABAT_PASSPHRASE = "Sandbox#123"

# Run inside `odoo-bin shell` (stdin): Indonesian on, the upload folder imported,
# the two users created, and one signable synced permit chosen.  Prints one
# line `E2E_WORLD <json>` the fixture reads.
SETUP_SCRIPT = r"""
import json, re
from odoo import fields
from odoo.addons.sicantik_bsre.models.sicantik_verification import mask_name

ARGS = json.loads(%(args)r)
lang = env["res.lang"].with_context(active_test=False).search(
    [("code", "=", "id_ID")], limit=1
)
if not lang.active:
    env["res.lang"]._activate_lang("id_ID")
    mods = env["ir.module.module"].search([("state", "=", "installed")])
    mods._load_module_terms(mods.mapped("name"), ["id_ID"])
env.cr.commit()
imported = env["sicantik.document.import"]._import_cycle()
env.cr.commit()

users = {}
for key, group in (("petugas", "group_petugas"), ("pejabat", "group_pejabat")):
    who = ARGS[key]
    user = env["res.users"].with_context(no_reset_password=True).create({
        "login": who["login"],
        "name": who["name"],
        # the request's chatter notifies the official: a sender needs an address
        "email": who["login"] + "@e2e.example.test",
        "password": who["password"],
        "lang": "id_ID",
        "tz": "Asia/Jakarta",
        "groups_id": [(6, 0, [env.ref("sicantik_base." + group).id])],
    })
    users[key] = user
users["pejabat"].sudo().bsre_nik = ARGS["nik"]
env.cr.commit()

today = fields.Date.context_today(env.user)
docs = env["sicantik.document"].search([
    ("state", "=", "stored"),
    ("kind", "=", "original"),
    ("permit_id.is_issued", "=", True),
    ("permit_id.is_revoked", "=", False),
    ("permit_id.sk_number", "!=", False),
    ("permit_id.company_id", "=", False),
    ("permit_id.applicant_id", "!=", False),
    ("permit_id.official_id", "!=", False),
], order="id")
chosen = None
for doc in docs:
    permit, person = doc.permit_id, doc.permit_id.applicant_id
    if permit.valid_until and permit.valid_until <= today:
        continue
    if not (person.id_number and person.phone and person.address):
        continue
    if not re.fullmatch(r"[A-Za-z']+( [A-Za-z']+)+", person.name or ""):
        continue
    chosen = {
        "registration": permit.name,
        "sk_number": permit.sk_number,
        "document_id": doc.id,
        "document_name": doc.display_name,
        "applicant": {
            "name": person.name,
            "nik": person.id_number.strip(),
            "phone": person.phone.strip(),
            "address": person.address.strip(),
        },
        "holder_masked": mask_name(person.name),
        # Only the permit's designated official signs: the official plays the
        # user linked to the permit's signatory, whose position the public page
        # shows.
        "signer_position": permit.official_id.position or "",
        "signer_name": users["pejabat"].name,
    }
    users["pejabat"].sicantik_official_id = permit.official_id
    env.cr.commit()
    break
print("E2E_WORLD " + json.dumps({
    "imported": imported,
    "documents": len(docs),
    "permit": chosen,
}, default=str))
"""


def _odoo_command(conf, command, *args):
    """`odoo-bin --addons-path=… <command> <options>`: Odoo finds an addon's CLI
    command only when the addons path comes first and the command right after."""
    argv = stack.odoo_argv(conf, *args)
    addons = next(a for a in argv if a.startswith("--addons-path="))
    options = [a for a in argv[2:] if a != addons]
    return [argv[0], argv[1], addons, command, *options]


def odoo_shell(odoo_db, script, marker=None):
    """Run ``script`` in ``odoo-bin shell`` on the test database; return the
    JSON it printed on its last line starting with ``marker`` (``None``
    without a marker)."""
    conf = stack.read_conf()
    shell = subprocess.run(
        _odoo_command(conf, "shell", "-d", odoo_db, "--no-http", "--log-level=warn"),
        input=script,
        env=stack.odoo_env(SESSION_ENV),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if shell.returncode:
        pytest.fail(
            f"odoo shell failed:\n{shell.stdout[-2000:]}\n{shell.stderr[-4000:]}"
        )
    if not marker:
        return None
    lines = [ln for ln in shell.stdout.splitlines() if ln.startswith(marker + " ")]
    if not lines:
        pytest.fail(f"no {marker}:\n{shell.stdout[-2000:]}\n{shell.stderr[-4000:]}")
    return json.loads(lines[-1].split(" ", 1)[1])


@pytest.fixture(scope="session")
def run_odoo_shell(odoo_db):
    """``run(script, marker)``: :func:`odoo_shell` on the test database."""
    return lambda script, marker: odoo_shell(odoo_db, script, marker)


@pytest.fixture(scope="session")
def e2e_world(odoo_db):
    """What the scenarios start from, prepared once before the server starts.

    One real sync cycle from the SICANTIK sandbox, the upload folder imported
    into S3, Indonesian activated, an officer and an official (the sandbox's
    ISSUE signer) created, and a synced, issued, still valid permit with an
    original document chosen.  Done in subprocesses and committed *before* the
    HTTP server starts, so that server reads languages and users from a settled
    database (its caches never see these changes happen).
    """
    conf = stack.read_conf()
    env = stack.odoo_env(SESSION_ENV)
    sync = subprocess.run(
        _odoo_command(conf, "sicantik_sync", "run", "-d", odoo_db),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = sync.stdout.strip().splitlines()
    summary = json.loads(lines[-1]) if lines else {}
    if not summary.get("ok"):
        pytest.fail(f"sync cycle failed: {sync.stdout[-2000:]}\n{sync.stderr[-3000:]}")
    args = {"petugas": PETUGAS, "pejabat": PEJABAT, "nik": PEJABAT_NIK}
    world = odoo_shell(odoo_db, SETUP_SCRIPT % {"args": json.dumps(args)}, "E2E_WORLD")
    if not world["permit"]:
        pytest.fail(f"no signable synced permit with a document: {world}")
    world["sync"] = summary
    world["petugas"], world["pejabat"] = PETUGAS, PEJABAT
    world["passphrase"] = PEJABAT_PASSPHRASE
    return world


@pytest.fixture
def bsre_without_faults():
    """The BSrE sandbox answering normally for one test, then as it was.

    The sandbox is shared by every suite of the run; a fault knob another suite
    left armed (a pending 500, latency) would make a browser scenario fail for
    a reason it does not test.  Only when knobs are armed are they cleared, and
    they are put back afterwards.
    """
    url = os.environ.get("SICANTIK_BSRE_URL")
    if not url:
        pytest.fail("SICANTIK_BSRE_URL is not set: run the suite with `make test`")
    auth = (os.environ["SICANTIK_BSRE_USER"], os.environ["SICANTIK_BSRE_PASSWORD"])
    faults = f"{url.rstrip('/')}/_sandbox/faults"
    before = requests.get(faults, auth=auth, timeout=10).json()
    armed = (
        any(before.get("latency_ms", {}).values())
        or any(
            any(v.values())
            for k, v in before.items()
            if k != "latency_ms" and isinstance(v, dict)
        )
        or before.get("wrong_passphrase_status", 400) != 400
    )
    if armed:
        requests.delete(faults, auth=auth, timeout=10).raise_for_status()
    yield
    if armed:
        requests.post(faults, json=before, auth=auth, timeout=10).raise_for_status()


@pytest.fixture(scope="session")
def odoo_url(odoo_db, e2e_world, tmp_path_factory):
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
    proc = stack.Proc(
        "odoo-e2e", argv, logfile / "odoo-e2e.log", env=stack.odoo_env(SESSION_ENV)
    )
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
