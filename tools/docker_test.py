"""End-to-end test of the Docker stack (``make docker-test``).

Builds the images (docker/test/build.sh), starts the production compose file
plus docker/test/compose.test.yml (stand-ins for unreachable images, SICANTIK
sandbox MySQL) and checks, through nginx on 127.0.0.1:8080: the login page,
``/sicantik/health``, a real sync, a PDF imported from the read-only
``sicantik_pdfs`` mount into S3, a ``backup_companion`` snapshot, that
``restart`` and ``down`` + ``up`` keep every record and object, and that the
tear-down leaves nothing of the stack behind. Prints ``N passed, N failed``.

Talks only to loopback (published ports) and its own containers.
"""

import ast
import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "sicantik_companion"
WORK = ROOT / ".local" / "docker" / "run"
BASE = "https://localhost:8443"
PLAIN = "http://127.0.0.1:8080"
MYSQL_PORT = int(os.environ.get("SICANTIK_TEST_MYSQL_PORT", "3307"))
MYSQL_NETWORK = "sicantik_test_mysql"
# The image of the upgrade drill's version N (see _build_previous_image).
UPGRADE_FROM = "upgrade-from"
DB = "sicantik_companion"
TIMINGS = {}
RESULTS = []


def log(msg):
    print(f"docker-test: {msg}", flush=True)


def run(*argv, check=True, capture=False, env=None, input=None, timeout=1800):
    proc = subprocess.run(
        argv,
        cwd=ROOT,
        check=False,
        text=True,
        capture_output=capture,
        env={**os.environ, **(env or {})},
        input=input,
        timeout=timeout,
    )
    if check and proc.returncode:
        detail = (proc.stdout or "") + (proc.stderr or "") if capture else ""
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}\n{detail}")
    return proc


COMPOSE_FILE = {"path": "docker/docker-compose.yml"}
# The Odoo image tag the stack runs (SICANTIK_IMAGE_TAG): N, then N+1.
IMAGE_TAG = {"tag": "latest"}


def compose(*args, **kw):
    kw["env"] = {"SICANTIK_IMAGE_TAG": IMAGE_TAG["tag"], **(kw.get("env") or {})}
    return run(
        "docker",
        "compose",
        "-f",
        COMPOSE_FILE["path"],
        "-f",
        "docker/test/compose.test.yml",
        "--env-file",
        str(WORK / "test.env"),
        "--profile",
        "dev",
        *args,
        **kw,
    )


REPLICAS = 2


def up_all():
    """The documented start, scaled out: every `up` of the test keeps two
    Odoo replicas behind nginx (docker/README.md, "Scale-out")."""
    compose(
        "up",
        "-d",
        "--wait",
        "--wait-timeout",
        "600",
        "--scale",
        f"odoo_companion={REPLICAS}",
        capture=True,
    )


def timed(name):
    class _T:
        def __enter__(self):
            self.start = time.monotonic()

        def __exit__(self, *exc):
            TIMINGS[name] = round(time.monotonic() - self.start, 1)
            log(f"{name}: {TIMINGS[name]} s")

    return _T()


def check(name, func):
    try:
        detail = func()
    except Exception as exc:  # one failed check must not hide the others
        RESULTS.append((name, False))
        log(f"FAIL {name}: {exc}")
        return None
    RESULTS.append((name, True))
    log(f"ok   {name}" + (f" ({detail})" if detail not in (None, True) else ""))
    return detail


def make_certs():
    """Self-signed TLS for nginx (localhost) and the sandbox MySQL
    (sicantik-mysql), by the script an administrator uses for a dev stack; the
    test's HTTP client trusts only the site's CA (REQUESTS_CA_BUNDLE)."""
    tls = WORK / "tls"
    run("docker/tls/make-dev-certs.sh", str(tls / "site"), "localhost", capture=True)
    run(
        "docker/tls/make-dev-certs.sh",
        str(tls / "mysql"),
        "sicantik-mysql",
        capture=True,
    )
    certs = WORK / "certs"
    certs.mkdir()
    shutil.copy(tls / "mysql" / "ca.crt", certs / "sicantik-mysql-ca.crt")
    os.environ["REQUESTS_CA_BUNDLE"] = str(tls / "site" / "ca.crt")
    return tls, certs


def write_env():
    """Test settings: fresh secrets for every run, loopback-only ports."""
    uploads = WORK / "uploads"
    backups = WORK / "backups"
    for path in (uploads, backups):
        path.mkdir(parents=True, exist_ok=True)
    tls, certs = make_certs()
    values = {
        "SICANTIK_IMAGE_TAG": "latest",
        "SERVICES_PUBLISH_IP": "127.0.0.1",
        "NGINX_PUBLISH_IP": "127.0.0.1",
        "ODOO_ADMIN_PASSWORD": secrets.token_hex(16),
        "ODOO_WORKERS": "2",
        "ODOO_MAX_CRON_THREADS": "1",
        "POSTGRES_USER": "odoo",
        "POSTGRES_PASSWORD": secrets.token_hex(16),
        "POSTGRES_DB": DB,
        "POSTGRES_SUPERUSER_PASSWORD": secrets.token_hex(16),
        "SICANTIK_AUDIT_ANCHOR_KEY": secrets.token_hex(32),
        "SICANTIK_AUDIT_SALT": secrets.token_hex(16),
        "SICANTIK_VERIFY_SALT": secrets.token_hex(16),
        "SICANTIK_APPLICANT_SECRET": secrets.token_hex(16),
        "SICANTIK_MYSQL_NETWORK": MYSQL_NETWORK,
        "SICANTIK_MYSQL_HOST": "sicantik-mysql",
        "SICANTIK_MYSQL_DB": "sicantik",
        "SICANTIK_MYSQL_USER": "sicantik_ro",
        "SICANTIK_MYSQL_PASSWORD": secrets.token_hex(16),
        "SICANTIK_UPLOADS_HOST_PATH": str(uploads),
        "MINIO_ROOT_USER": "sicantik-test-admin",
        "MINIO_ROOT_PASSWORD": secrets.token_hex(16),
        # The stand-in has one account (MinIO's root); see docker/test/README.md.
        "SICANTIK_S3_ACCESS_KEY": "sicantik-test-admin",
        "SICANTIK_DOC_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "SICANTIK_DOC_KEY_ID": "doc-key-1",
        "REDIS_PASSWORD": secrets.token_hex(16),
        "SICANTIK_BSRE_URL": "http://bsre_sandbox:8020",
        "SICANTIK_BSRE_USER": "sicantik-test",
        "SICANTIK_BSRE_PASSWORD": secrets.token_hex(16),
        "SICANTIK_PUBLIC_BASE_URL": BASE,
        "SICANTIK_PUBLIC_HOST": "localhost",
        "NGINX_TLS_DIR": str(tls / "site"),
        "SICANTIK_CERTS_DIR": str(certs),
        "SICANTIK_MYSQL_TLS_CA": "/etc/sicantik/certs/sicantik-mysql-ca.crt",
        "SICANTIK_TEST_MYSQL_TLS_DIR": str(tls / "mysql"),
        # The host reaches nginx through Docker's proxy, from the bridge gateway
        # (a private address): narrowed to loopback, nginx's callers are public
        # visitors and only Odoo's own container sees the health detail.
        "SICANTIK_INTERNAL_NETWORKS": "127.0.0.0/8",
        "BACKUP_HOST_PATH": str(backups),
        "SICANTIK_TEST_MYSQL_ROOT_PASSWORD": secrets.token_hex(16),
        "SICANTIK_TEST_MYSQL_PORT": str(MYSQL_PORT),
    }
    values["SICANTIK_S3_SECRET_KEY"] = values["MINIO_ROOT_PASSWORD"]
    env_file = WORK / "test.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    env_file.chmod(0o600)
    return values


def seed_mysql(env):
    root_url = (
        f"mysql+pymysql://root:{env['SICANTIK_TEST_MYSQL_ROOT_PASSWORD']}"
        f"@127.0.0.1:{MYSQL_PORT}/"
    )
    py = sys.executable
    run(
        py,
        "-m",
        "sandbox.sicantik",
        "generate",
        "--url",
        root_url + env["SICANTIK_MYSQL_DB"],
        "--permits",
        "40",
        "--seed",
        "13",
        "--reset",
        "--upload-root",
        env["SICANTIK_UPLOADS_HOST_PATH"],
        "--pdf-limit",
        "5",
        capture=True,
    )
    run(
        py,
        "-m",
        "sandbox.sicantik",
        "create-readonly-user",
        "--admin-url",
        root_url,
        "--database",
        env["SICANTIK_MYSQL_DB"],
        "--user",
        env["SICANTIK_MYSQL_USER"],
        "--password",
        env["SICANTIK_MYSQL_PASSWORD"],
        capture=True,
    )


class Odoo:
    """JSON-RPC through nginx, as the admin user."""

    def __init__(self):
        self.session = requests.Session()

    def login(self, password="admin"):
        resp = self.session.post(
            f"{BASE}/web/session/authenticate",
            json={"params": {"db": DB, "login": "admin", "password": password}},
            timeout=60,
        )
        resp.raise_for_status()
        body = resp.json()
        if not (body.get("result") or {}).get("uid"):
            raise RuntimeError(f"login refused: {body.get('error')}")

    def call(self, model, method, *args, **kwargs):
        resp = self.session.post(
            f"{BASE}/web/dataset/call_kw",
            json={
                "params": {
                    "model": model,
                    "method": method,
                    "args": list(args),
                    "kwargs": kwargs,
                }
            },
            timeout=600,
        )
        resp.raise_for_status()
        body = resp.json()
        if "error" in body:
            error = body["error"].get("data", body["error"])
            raise RuntimeError(json.dumps(error)[:800])
        return body["result"]

    def login_as(self, login, password):
        resp = self.session.post(
            f"{BASE}/web/session/authenticate",
            json={"params": {"db": DB, "login": login, "password": password}},
            timeout=60,
        )
        resp.raise_for_status()
        if not (resp.json().get("result") or {}).get("uid"):
            raise RuntimeError(f"login {login} refused: {resp.json().get('error')}")
        return self

    def json_route(self, path, **params):
        resp = self.session.post(f"{BASE}{path}", json={"params": params}, timeout=600)
        resp.raise_for_status()
        body = resp.json()
        if "error" in body:
            raise RuntimeError(
                json.dumps(body["error"].get("data", body["error"]))[:800]
            )
        return body["result"]

    def sid(self):
        return self.session.cookies.get("session_id")

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        rows = self.call(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            ["res_id"],
        )
        return rows[0]["res_id"]

    def run_cron(self, xmlid):
        return self.call("ir.cron", "method_direct_trigger", [self.ref(xmlid)])


def s3_client(env):
    """The stand-in S3 as its root account, through the published port
    (sicantik_base's one S3 factory, as every other tool)."""
    sys.path.insert(0, str(ROOT / "tools"))
    import stack

    s3 = stack.base_lib("s3")
    config = s3.S3Config(
        endpoint="127.0.0.1:9001",
        access_key=env["MINIO_ROOT_USER"],
        secret_key=env["MINIO_ROOT_PASSWORD"],
        bucket=env.get("SICANTIK_S3_BUCKET", ""),
    )
    return s3.make_client(config, read_timeout=30)


def s3_objects(env):
    client = s3_client(env)
    return sorted(
        o.object_name for o in client.list_objects("sicantik-documents", recursive=True)
    )


def s3_head(env, name, size=4):
    client = s3_client(env)
    resp = client.get_object("sicantik-documents", name, length=size)
    try:
        return resp.read()
    finally:
        resp.close()
        resp.release_conn()


def snapshot_counts(odoo, env):
    odoo.login()
    counts = {
        model: odoo.call(model, "search_count", [])
        for model in ("sicantik.permit", "sicantik.document", "sicantik.applicant")
    }
    counts["s3_objects"] = len(s3_objects(env))
    return counts


def wait_http(path, timeout=300):
    deadline = time.monotonic() + timeout
    while True:
        try:
            resp = requests.get(BASE + path, timeout=10)
            if resp.status_code < 500:
                return resp
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} not answering after {timeout}s")
        time.sleep(2)


def leftovers():
    out = []
    for kind in ("ps -a", "volume ls", "network ls"):
        args = [
            "docker",
            *kind.split(),
            "-q",
            "--filter",
            f"label=com.docker.compose.project={PROJECT}",
        ]
        ids = run(*args, capture=True).stdout.split()
        if ids:
            out.append(f"{kind}: {len(ids)}")
    if run(
        "docker",
        "network",
        "ls",
        "-q",
        "--filter",
        f"name={MYSQL_NETWORK}",
        capture=True,
    ).stdout.split():
        out.append(f"network {MYSQL_NETWORK}")
    dangling = run("docker", "images", "-q", "-f", "dangling=true", capture=True)
    if dangling.stdout.split():
        out.append(f"dangling images: {len(dangling.stdout.split())}")
    return out


def teardown():
    if (WORK / "test.env").exists():
        compose(
            "down",
            "-v",
            "--remove-orphans",
            "--timeout",
            "20",
            check=False,
            capture=True,
        )
    run("docker", "network", "rm", MYSQL_NETWORK, check=False, capture=True)


def main():
    start = time.monotonic()
    with timed("engine"):
        run("docker/test/engine.sh")
    with timed("build"):
        run("docker/test/build.sh")
    # Re-tagged builds leave the previous image untagged: not ours to keep.
    run("docker", "image", "prune", "-f", capture=True)
    teardown()  # a previous run that died half-way
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    env = write_env()
    # The backup job runs as the image's odoo user.
    uid = run(
        "docker",
        "run",
        "--rm",
        "--entrypoint",
        "id",
        "sicantik-companion-odoo:latest",
        "-u",
        capture=True,
    ).stdout.strip()
    os.chown(env["BACKUP_HOST_PATH"], int(uid), int(uid))
    run("docker", "network", "create", MYSQL_NETWORK, capture=True)
    odoo = Odoo()
    try:
        with timed("mysql sandbox up + seed"):
            compose("up", "-d", "--wait", "sicantik_mysql_sandbox", capture=True)
            seed_mysql(env)
        with timed("document bucket (README step 4)"):
            compose("up", "-d", "--wait", "minio_documents", capture=True)
            _make_bucket(env)
        # Upgrade drill: the stack starts on image N (the revision before the
        # newest migration script) and gets its data there.
        with timed("build image N (upgrade drill)"):
            check("upgrade drill: image N built", _build_previous_image)
        IMAGE_TAG["tag"] = UPGRADE_FROM
        with timed("odoo -i (all addons)"):
            _install_addons()
        check("audit lockdown (optional step, superuser DSN)", lambda: _lockdown(env))
        with timed("compose up --wait"):
            up_all()
        check(
            "upgrade drill: image N with data (sync, documents, signatures, audit)",
            lambda: _data_on_previous(odoo),
        )
        IMAGE_TAG["tag"] = "latest"
        check(
            "upgrade drill: N+1 upgrades the modules, data intact, chain verifies",
            lambda: _upgrade(odoo),
        )
        check("login page through nginx", lambda: _login_page())
        check("/sicantik/health: public form through nginx", _public_health)
        check("/sicantik/health detail green inside the network", _health)
        check("TLS: redirect, HSTS, Secure cookie, server_name", _tls_front)
        check("admin login", odoo.login)
        check("web.base.url frozen to the public URL", lambda: _base_url(odoo))
        check("SICANTIK MySQL account is SELECT-only", lambda: _mysql_grants(env))
        check("document bucket is versioned (audit anchors)", lambda: _versioned(env))

        def odoo_role():
            out = psql(
                "SELECT rolsuper, rolcreatedb, pg_get_userbyid(datdba) "
                "FROM pg_roles, pg_database WHERE rolname = 'odoo' "
                f"AND datname = '{DB}'"
            )
            assert out == ["f|t|odoo"], out
            return "odoo: NOSUPERUSER CREATEDB, owns the database"

        check("Odoo's PostgreSQL role is no superuser (#12)", odoo_role)

        def disable_trigger():
            # As Odoo's role, what a compromised Odoo would try first.
            proc = compose(
                "exec",
                "-T",
                "postgres_companion",
                "psql",
                "-U",
                env["POSTGRES_USER"],
                "-d",
                DB,
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                "ALTER TABLE sicantik_audit_event DISABLE TRIGGER ALL",
                check=False,
                capture=True,
            )
            assert proc.returncode != 0, "ALTER TABLE ... DISABLE TRIGGER ALL passed"
            assert "must be owner" in proc.stderr, proc.stderr
            return proc.stderr.strip().splitlines()[-1]

        check("audit trigger cannot be disabled by Odoo's role", disable_trigger)

        check(
            "scale-out: a login on one replica works on the other (Redis sessions)",
            lambda: _sessions_shared(odoo),
        )

        def sync():
            # One cron call is one batch; the first ones may bring reference data.
            # The cron once (one batch, as the scheduler calls it), then the
            # rest of the run in one call (batches of one row in the test).
            _run_cron_until(
                odoo, "sicantik_sync.ir_cron_sicantik_sync", "sicantik.permit", tries=1
            )
            _cycle_until_done(odoo, "sync")
            n = odoo.call("sicantik.permit", "search_count", [])
            assert n > 0, "no permit synced"
            return f"{n} permits, the run done"

        check("real sync from SICANTIK's MySQL", sync)
        check(
            "re-check run: its replica killed mid-run, resumed, nothing lost",
            lambda: _recheck_with_replica_killed(odoo, env),
        )
        check(
            "sync cron triggered on both replicas at once: no overlapping runs",
            lambda: _cron_on_both(odoo, env),
        )

        def pdf_import():
            docs = _run_cron_until(
                odoo,
                "sicantik_documents.ir_cron_sicantik_document_import",
                "sicantik.document",
            )
            objects = s3_objects(env)
            assert docs > 0, "no document imported"
            assert objects, "S3 bucket empty"
            # Every version is encrypted (#12): no stored object is a plain PDF.
            plain = [name for name in objects if s3_head(env, name) == b"%PDF"]
            assert not plain, f"stored in plain text: {plain}"
            return f"{docs} documents, {len(objects)} S3 objects, none plain PDF"

        check("PDF from sicantik_pdfs imported into S3", pdf_import)

        def sign_and_verify():
            return _sign_and_verify(odoo)

        check(
            "batch signed on both replicas at once: each document signed once, /verify",
            sign_and_verify,
        )
        check(
            "attachments in PostgreSQL, none on a replica's disk",
            lambda: _attachments_in_db(odoo, env),
        )

        def backup():
            compose(
                "exec",
                "-T",
                "backup_companion",
                "/opt/sicantik/tools/backup-loop.sh",
                "once",
                capture=True,
            )
            snaps = [p for p in Path(env["BACKUP_HOST_PATH"]).iterdir() if p.is_dir()]
            assert snaps, "no snapshot written"
            return snaps[0].name

        check("backup_companion snapshot", backup)
        before = check("counts before restart", lambda: snapshot_counts(odoo, env))

        def restart():
            with timed("compose restart"):
                compose("restart", capture=True)
                up_all()
            after = snapshot_counts(odoo, env)
            assert after == before, f"{before} != {after}"
            return after

        check("restart keeps records and objects", restart)

        def down_up():
            compose("down", "--timeout", "20", capture=True)
            with timed("compose up --wait (existing volumes)"):
                up_all()
            after = snapshot_counts(odoo, env)
            assert after == before, f"{before} != {after}"
            return after

        check("down + up keeps records and objects (volumes)", down_up)
        check(
            "offline bundle: the stack starts from it alone", lambda: _bundle(odoo, env)
        )
    except Exception as exc:
        RESULTS.append(("stack", False))
        log(f"FAIL stack: {exc}")
        compose("ps", "-a", check=False)
        compose("logs", "--tail", "60", check=False)
    finally:
        with timed("tear-down"):
            teardown()
            # Image N of the upgrade drill is rebuilt by every run.
            run(
                "docker",
                "rmi",
                f"sicantik-companion-odoo:{UPGRADE_FROM}",
                f"sicantik-bsre-sandbox:{UPGRADE_FROM}",
                check=False,
                capture=True,
            )
        check("tear-down leaves nothing", lambda: _nothing_left())
    TIMINGS["total"] = round(time.monotonic() - start, 1)
    log("timings: " + json.dumps(TIMINGS))
    passed = sum(1 for _n, ok in RESULTS if ok)
    failed = len(RESULTS) - passed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


# The BSrE sandbox's test signer (sandbox/bsre/users.json), as in the addon tests.
SIGNER_NIK = "1206010101800001"
SIGNER_PASSPHRASE = "Sandbox#123"


def _sign_and_verify(admin, suffix=""):
    """A petugas requests, the official approves and signs two documents in one
    batch through the sign route; each public /verify/<token> page answers."""
    admin.login()
    base_user = admin.ref("base.group_user")
    password = secrets.token_hex(12)
    users = {}
    for login, group, extra in (
        ("docker_petugas" + suffix, "sicantik_base.group_petugas", {}),
        (
            "docker_pejabat" + suffix,
            "sicantik_base.group_pejabat",
            {"bsre_nik": SIGNER_NIK},
        ),
    ):
        users[login] = admin.call(
            "res.users",
            "create",
            {
                "name": login,
                "login": login,
                "password": password,
                "groups_id": [(6, 0, [base_user, admin.ref(group)])],
                **extra,
            },
        )
    # Only the permit's designated official may sign (#12): the admin links
    # the official's login to the SICANTIK official of the chosen permits, as
    # on the user form, and takes up to two documents that official signs.
    # Documents without a signature request yet (version N signed some).
    requested = admin.call(
        "sicantik.signature.request", "search_read", [], ["document_id"]
    )
    stored = admin.call(
        "sicantik.document",
        "search_read",
        [
            ("state", "=", "stored"),
            ("permit_id.official_id", "!=", False),
            ("id", "not in", [r["document_id"][0] for r in requested]),
        ],
        ["permit_id"],
        order="id",
    )
    permits = admin.call(
        "sicantik.permit",
        "read",
        sorted({d["permit_id"][0] for d in stored}),
        ["official_id"],
    )
    official_of = {p["id"]: p["official_id"][0] for p in permits}
    # An official is linked to one user only: skip those linked before.
    linked = {
        u["sicantik_official_id"][0]
        for u in admin.call(
            "res.users",
            "search_read",
            [("sicantik_official_id", "!=", False)],
            ["sicantik_official_id"],
        )
    }
    by_official = {}
    for doc in stored:
        official = official_of[doc["permit_id"][0]]
        if official not in linked:
            by_official.setdefault(official, []).append(doc)
    assert by_official, "no stored document of a permit with an official"
    official_id, docs = max(by_official.items(), key=lambda kv: len(kv[1]))
    docs = docs[:2]
    admin.call(
        "res.users",
        "write",
        [users["docker_pejabat" + suffix]],
        {"sicantik_official_id": official_id},
    )
    petugas = Odoo().login_as("docker_petugas" + suffix, password)
    request_ids = []
    for doc in docs:
        rid = petugas.call(
            "sicantik.signature.request",
            "create",
            {"document_id": doc["id"], "official_id": users["docker_pejabat" + suffix]},
        )
        petugas.call("sicantik.signature.request", "action_submit", [rid])
        request_ids.append(rid)
    official = Odoo().login_as("docker_pejabat" + suffix, password)
    official.call("sicantik.signature.request", "action_approve", request_ids)
    wizard = official.call(
        "sicantik.sign.wizard", "create", {"request_ids": [(6, 0, request_ids)]}
    )
    # The same batch sent to both replicas at once (a double click reaching
    # two containers): the claim lets exactly one of them sign each document.
    outcomes = on_replicas_at_once(
        lambda ip: replica_post(
            ip,
            official.sid(),
            "/sicantik_bsre/sign",
            wizard_id=wizard,
            passphrase=SIGNER_PASSPHRASE,
        )
    )
    assert any(not isinstance(o, Exception) for o in outcomes), outcomes
    signed_once = psql(
        "SELECT res_id, count(*) FROM sicantik_audit_event WHERE action = "
        "'sign.result' AND res_model = 'sicantik.signature.request' AND res_id IN "
        f"({','.join(map(str, request_ids))}) GROUP BY res_id"
    )
    assert signed_once == [f"{rid}|1" for rid in sorted(request_ids)], signed_once
    rows = official.call(
        "sicantik.signature.request",
        "read",
        request_ids,
        ["state", "verification_token", "error_message"],
    )
    assert all(r["state"] == "signed" for r in rows), rows
    for row in rows:
        page = requests.get(f"{BASE}/verify/{row['verification_token']}", timeout=60)
        assert page.status_code == 200, page.status_code
        assert "Dokumen tidak ditemukan" not in page.text
    bogus = requests.get(f"{BASE}/verify/{secrets.token_urlsafe(16)}", timeout=60)
    assert bogus.status_code == 404, bogus.status_code
    return (
        f"{len(rows)} signed once each (2 concurrent calls: "
        f"{[type(o).__name__ for o in outcomes]}), verify pages 200, unknown token 404"
    )


# --- Scale-out (issue #13, item 5) ---------------------------------------------
# What nginx adds to every request, for calls made straight to one replica.
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "localhost:8443"}


def replicas():
    """``[(container id, address on sicantik_network)]`` of the running Odoo
    replicas; the host reaches them directly on the bridge."""
    ids = compose("ps", "-q", "odoo_companion", capture=True).stdout.split()
    network = f"{PROJECT}_sicantik_network"
    out = []
    for cid in ids:
        ip = run(
            "docker",
            "inspect",
            "-f",
            f'{{{{(index .NetworkSettings.Networks "{network}").IPAddress}}}}',
            cid,
            capture=True,
        ).stdout.strip()
        out.append((cid, ip))
    return sorted(out)


def replica_post(ip, sid, path, timeout=600, **params):
    resp = requests.post(
        f"http://{ip}:8069{path}",
        json={"params": params},
        headers={**FORWARDED, "Cookie": f"session_id={sid}"},
        timeout=timeout,
    )
    resp.raise_for_status()
    body = resp.json()
    if "error" in body:
        raise RuntimeError(json.dumps(body["error"].get("data", body["error"]))[:400])
    return body["result"]


def replica_call(ip, sid, model, method, *args, **kwargs):
    return replica_post(
        ip,
        sid,
        "/web/dataset/call_kw",
        model=model,
        method=method,
        args=list(args),
        kwargs=kwargs,
    )


def on_replicas_at_once(func):
    """``func(ip)`` on every replica in parallel; results or exceptions."""
    ips = [ip for _cid, ip in replicas()]
    assert len(ips) == REPLICAS, ips
    outcomes = [None] * len(ips)
    barrier = threading.Barrier(len(ips))

    def work(i, ip):
        barrier.wait()
        try:
            outcomes[i] = func(ip)
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            outcomes[i] = exc

    threads = [threading.Thread(target=work, args=(i, ip)) for i, ip in enumerate(ips)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(900)
    return outcomes


def psql(sql):
    """Rows of ``sql`` in Odoo's database as ``a|b`` strings."""
    out = compose(
        "exec",
        "-T",
        "postgres_companion",
        "psql",
        "-U",
        "postgres",
        "-d",
        DB,
        "-tAc",
        sql,
        capture=True,
    ).stdout
    return [line for line in out.splitlines() if line]


def files_in_data_dir(kind):
    """How many files lie under Odoo's data_dir (the odoo_data volume) in a
    ``sessions`` or ``filestore`` folder."""
    return compose(
        "exec",
        "-T",
        "odoo_companion",
        "sh",
        "-c",
        f"find /var/lib/odoo -path '*{kind}*' -type f | wc -l",
        capture=True,
    ).stdout.strip()


def _sessions_shared(odoo):
    """Logged in through nginx, then at each replica directly with the same
    cookie; and a login made at replica 1 used at replica 2."""
    odoo.login()
    (_c1, ip1), (_c2, ip2) = replicas()
    for ip in (ip1, ip2, ip1, ip2):
        info = replica_post(ip, odoo.sid(), "/web/session/get_session_info")
        assert info["uid"] and info["username"] == "admin", (ip, info)
    resp = requests.post(
        f"http://{ip1}:8069/web/session/authenticate",
        json={"params": {"db": DB, "login": "admin", "password": "admin"}},
        headers=FORWARDED,
        timeout=60,
    )
    sid = resp.cookies.get("session_id")
    assert sid and resp.json()["result"]["uid"], resp.text[:300]
    info = replica_post(ip2, sid, "/web/session/get_session_info")
    assert info["uid"] == resp.json()["result"]["uid"], info
    keys = compose(
        "exec",
        "-T",
        "redis_cache",
        "redis-cli",
        "--scan",
        "--pattern",
        "sicantik:session:*",
        capture=True,
    ).stdout.split()
    files = files_in_data_dir("sessions")
    assert keys and files == "0", (len(keys), files)
    return f"replicas {ip1}, {ip2}; {len(keys)} sessions in Redis, 0 session files"


def _recheck_with_replica_killed(odoo, env):
    """A full re-check (every SICANTIK row, a commit per batch of
    SICANTIK_SYNC_BATCH_SIZE) runs on replica 2, which is killed once two
    batches are committed. The interrupted run is resumed through nginx (now
    on the surviving replica) and completes: no run left running,
    no permit lost, duplicated or marked missing. The minutely sync cron is
    paused meanwhile, so that the run is not skipped for its lock."""
    odoo.login()
    crons = [
        odoo.ref("sicantik_sync.ir_cron_sicantik_sync"),
        odoo.ref("sicantik_sync.ir_cron_sicantik_recheck"),
    ]
    permits = odoo.call("sicantik.permit", "search_count", [])
    odoo.call("ir.cron", "write", crons, {"active": False})
    try:
        (_c1, _ip1), (c2, ip2) = replicas()
        outcome = []
        worker = threading.Thread(
            target=lambda: outcome.append(
                _outcome(
                    replica_call,
                    ip2,
                    odoo.sid(),
                    "sicantik.sync",
                    "run_cycle",
                    kind="recheck",
                )
            ),
            daemon=True,
        )
        worker.start()
        # Polled straight from PostgreSQL's loopback port: `compose exec` is
        # slower than a batch.
        pg = psycopg2.connect(
            host="127.0.0.1",
            port=5433,
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"],
            dbname=DB,
        )
        pg.autocommit = True
        deadline = time.monotonic() + 300
        running = []
        try:
            while time.monotonic() < deadline and worker.is_alive():
                with pg.cursor() as cur:
                    cur.execute(
                        "SELECT id, batch_count FROM sicantik_sync_run "
                        "WHERE state = 'running' AND kind = 'recheck'"
                    )
                    running = cur.fetchall()
                if running and running[0][1] >= 2:
                    break
                time.sleep(0.02)
        finally:
            pg.close()
        assert (
            worker.is_alive() and running
        ), f"re-check not caught mid-run: {running} {outcome}"
        run("docker", "kill", c2, capture=True)
        worker.join(5)  # its HTTP call is left hanging: the replica is gone
        run_id = running[0][0]
        killed = psql(f"SELECT batch_count FROM sicantik_sync_run WHERE id = {run_id}")
        _cycle_until_done(odoo, "recheck")
        final = psql(
            "SELECT state, batch_count, missing_count FROM sicantik_sync_run "
            f"WHERE id = {run_id}"
        )
    finally:
        odoo.call("ir.cron", "write", crons, {"active": True})
    state, batches, missing = final[0].split("|")
    assert state == "done" and missing == "0", final
    dupes = psql(
        "SELECT sicantik_id FROM sicantik_permit GROUP BY sicantik_id "
        "HAVING count(*) > 1"
    )
    after = odoo.call("sicantik.permit", "search_count", [])
    assert after == permits and not dupes, (permits, after, dupes)
    # The killed replica comes back (nginx restarts along with it).
    up_all()
    return (
        f"run {run_id} killed after {killed[0]} batches, resumed to done in "
        f"{batches}; {after} permits, none missing or duplicated"
    )


def _cycle_until_done(odoo, kind, tries=30):
    """run_cycle until the run of ``kind`` is done; a scheduler run holding
    the sync's lock answers ``locked``, so wait and ask again."""
    for _i in range(tries):
        result = odoo.call("sicantik.sync", "run_cycle", kind=kind)
        if result["status"] == "done":
            return result
        assert result["status"] == "locked", result
        time.sleep(3)
    raise AssertionError(f"{kind} not done after {tries} cycles")


def _outcome(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the replica is killed under it
        return exc


def _cron_on_both(odoo, env):
    """Odoo's cron lock and the sync's advisory lock: the sync cron triggered
    on both replicas in the same instant never gives two runs at once."""
    odoo.login()
    cron = odoo.ref("sicantik_sync.ir_cron_sicantik_sync")
    before = set(psql("SELECT id FROM sicantik_sync_run"))
    permits = odoo.call("sicantik.permit", "search_count", [])
    outcomes = on_replicas_at_once(
        lambda ip: replica_call(
            ip, odoo.sid(), "ir.cron", "method_direct_trigger", [cron]
        )
    )
    new = [r for r in psql("SELECT id FROM sicantik_sync_run") if r not in before]
    # A run starting before the previous one (in start order) finished.
    overlaps = psql(
        "SELECT id FROM (SELECT id, started_at, lag(coalesce(finished_at, "
        "now() AT TIME ZONE 'UTC')) OVER (ORDER BY started_at, id) AS previous_end "
        "FROM sicantik_sync_run WHERE kind = 'sync') runs "
        "WHERE started_at < previous_end"
    )
    assert not overlaps, overlaps
    assert odoo.call("sicantik.permit", "search_count", []) == permits
    kinds = [type(o).__name__ if isinstance(o, Exception) else "ran" for o in outcomes]
    return f"outcomes {kinds}; {len(new)} new run(s), none overlapping"


def _attachments_in_db(odoo, env):
    """ir_attachment.location is db: no attachment row points into a
    filestore, also none made before sicantik_base was loaded."""
    location = odoo.call("ir.config_parameter", "get_param", "ir_attachment.location")
    rows = psql(
        "SELECT count(*) FILTER (WHERE store_fname IS NOT NULL), "
        "count(*) FILTER (WHERE db_datas IS NOT NULL) FROM ir_attachment"
    )
    on_disk, in_db = map(int, rows[0].split("|"))
    files = files_in_data_dir("filestore")
    # Files of attachments moved to PostgreSQL stay until Odoo's file GC.
    assert location == "db" and on_disk == 0 and in_db > 0, (location, on_disk, in_db)
    return (
        f"location {location}; {in_db} attachments in PostgreSQL, none in a "
        f"filestore ({files} unreferenced files awaiting Odoo's GC)"
    )


def image_addons():
    """The docs' discovery step: every addon of the image (entrypoint
    ``addons``), checked against the repository's (image N of the upgrade
    drill may hold fewer: addons added since are installed by the upgrade)."""
    listed = compose(
        "run", "--rm", "-T", "--no-deps", "odoo_companion", "addons", capture=True
    ).stdout.strip()
    ours = sorted(
        p.parent.name for p in (ROOT / "odoo_addons").glob("*/__manifest__.py")
    )
    if IMAGE_TAG["tag"] == "latest":
        assert listed.split(",") == ours, (listed, ours)
    else:
        assert set(listed.split(",")) <= set(ours), (listed, ours)
    return listed


def _install_addons(*flags):
    """`odoo -i "$ADDONS"` (the upgrade: `-i "$ADDONS" -u "$ADDONS"`, which
    installs addons new in the image and updates the others) in a one-off
    container: the docs' step."""
    addons = image_addons()
    argv = []
    for flag in flags or ("-i",):
        argv += [flag, addons]
    compose(
        "run",
        "--rm",
        "-T",
        "odoo_companion",
        "odoo",
        *argv,
        "--stop-after-init",
        capture=True,
    )


# --- Upgrade drill (issue #13, item 6) -------------------------------------------


def _previous_revision():
    """Version N: the commit before the newest migration script was added."""
    scripts = run(
        "git", "ls-files", "odoo_addons/*/migrations/*/*.py", capture=True
    ).stdout.split()
    assert scripts, "no migration script in odoo_addons/*/migrations"
    added = []
    for script in scripts:
        line = run(
            "git",
            "log",
            "--diff-filter=A",
            "--format=%ct %H",
            "-n1",
            "--",
            script,
            capture=True,
        ).stdout.split()
        if line:
            added.append((int(line[0]), line[1], script))
    assert added, f"{scripts}: not committed yet"
    _when, commit, script = max(added)
    return f"{commit}^", script


def _build_previous_image():
    """Image N from `git archive` of that revision, built like N+1 (same
    Dockerfile of that revision, same stand-in base, same wheelhouse)."""
    rev, script = _previous_revision()
    context = WORK / "image-n"
    context.mkdir()
    proc = subprocess.run(
        f"git archive --format=tar {rev} | tar -x -C {context}",
        shell=True,
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    for wheel in (ROOT / "docker" / "wheelhouse").glob("*.whl"):
        shutil.copy(wheel, context / "docker" / "wheelhouse" / wheel.name)
    docker = "docker"
    if run("docker", "buildx", "version", check=False, capture=True).returncode:
        docker = "/usr/bin/docker" if Path("/usr/bin/docker").exists() else "docker"
    run(
        docker,
        "build",
        "-q",
        "-f",
        str(context / "docker" / "Dockerfile"),
        "-t",
        f"sicantik-companion-odoo:{UPGRADE_FROM}",
        "--build-arg",
        "ODOO_IMAGE=sicantik-test/odoo:18.0",
        str(context),
        env={"DOCKER_BUILDKIT": "1"},
        capture=True,
    )
    shutil.rmtree(context)
    # SICANTIK_IMAGE_TAG names the BSrE sandbox's image too (dev only, the
    # same for both versions).
    run(
        "docker",
        "tag",
        "sicantik-bsre-sandbox:latest",
        f"sicantik-bsre-sandbox:{UPGRADE_FROM}",
    )
    return f"{rev} (before {script})"


def _data_on_previous(odoo):
    """Image N with data: a complete sync, imported documents, a signed
    batch (with its audit events)."""
    odoo.login()
    _run_cron_until(
        odoo, "sicantik_sync.ir_cron_sicantik_sync", "sicantik.permit", tries=1
    )
    _cycle_until_done(odoo, "sync")
    _run_cron_until(
        odoo,
        "sicantik_documents.ir_cron_sicantik_document_import",
        "sicantik.document",
    )
    signed = _sign_and_verify(odoo, suffix="_n")
    UPGRADE_BEFORE.update(upgrade_snapshot(odoo))
    return f"{signed}; {UPGRADE_BEFORE}"


UPGRADE_BEFORE = {}


def upgrade_snapshot(odoo):
    odoo.login()
    counts = {
        model: odoo.call(model, "search_count", [])
        for model in (
            "sicantik.permit",
            "sicantik.document",
            "sicantik.sync.run",
            "sicantik.audit.event",
        )
    }
    counts["signed"] = odoo.call(
        "sicantik.signature.request", "search_count", [("state", "=", "signed")]
    )
    return counts


def _manifest_version(addon):
    """The version image N+1 carries: the addon's manifest in this tree."""
    manifest = (ROOT / "odoo_addons" / addon / "__manifest__.py").read_text()
    return ast.literal_eval(manifest)["version"]


def _upgrade(odoo):
    """docker/README.md "Upgrade" with image N+1: stop Odoo and nginx,
    `odoo -i "$ADDONS" -u "$ADDONS"`, up. The migration ran (rows_per_second backfilled
    on N's runs), nothing was lost, the audit chain verifies."""
    before = dict(UPGRADE_BEFORE)
    assert before, "no data on image N"
    compose("stop", "odoo_companion", "nginx_proxy", capture=True)
    with timed("upgrade: odoo -u (all addons)"):
        _install_addons("-i", "-u")
    with timed("upgrade: up --wait"):
        up_all()
    version = psql(
        "SELECT latest_version FROM ir_module_module WHERE name IN "
        "('sicantik_base', 'sicantik_sync') ORDER BY name"
    )
    backfilled = psql(
        "SELECT count(*) FILTER (WHERE abs(rows_per_second - source_rows / duration)"
        " < 0.06), count(*) FROM sicantik_sync_run WHERE state = 'done' "
        "AND duration > 0"
    )[0].split("|")
    after = upgrade_snapshot(odoo)
    lost = {k: (v, after[k]) for k, v in before.items() if after[k] < v}
    verify = odoo.call("sicantik.audit.event", "action_verify_chain")
    on_disk = psql("SELECT count(*) FROM ir_attachment WHERE store_fname IS NOT NULL")
    expected = [_manifest_version(a) for a in ("sicantik_base", "sicantik_sync")]
    assert version == expected, (version, expected)
    assert on_disk == ["0"], on_disk
    assert int(backfilled[1]) > 0 and backfilled[0] == backfilled[1], backfilled
    assert not lost, lost
    assert verify["params"]["type"] == "success", verify
    return (
        f"sicantik_base {version[0]}, sicantik_sync {version[1]}: no attachment "
        f"left in a filestore, rows_per_second on {backfilled[0]}/"
        f"{backfilled[1]} runs of N; kept {before}; {verify['params']['message']}"
    )


def _make_bucket(env):
    """docker/README.md step 4: the bucket exists, with Object Lock, before Odoo
    starts (the stand-in has no `mc admin`, so no bucket-limited account)."""
    client = s3_client(env)
    if not client.bucket_exists("sicantik-documents"):
        client.make_bucket("sicantik-documents", object_lock=True)


def _run_cron_until(odoo, cron, model, tries=20):
    """Trigger a cron (batch by batch, like the scheduler) until `model` has
    records; a run of the scheduler itself may hold the cron's lock meanwhile."""
    count = 0
    for _i in range(tries):
        try:
            odoo.run_cron(cron)
        except RuntimeError as exc:
            if "LockNotAvailable" not in str(exc) and "locked" not in str(exc):
                raise
            time.sleep(3)
        count = odoo.call(model, "search_count", [])
        if count:
            break
        time.sleep(2)
    return count


BUNDLE_IMAGES = [
    "sicantik-companion-odoo:latest",
    "sicantik-bsre-sandbox:latest",
    # Stand-ins of the third-party images (an office bundles the official ones).
    "sicantik-test/postgres:stand-in",
    "sicantik-test/redis:stand-in",
    "sicantik-test/nginx:stand-in",
    "sicantik-test/minio:stand-in",
    "sicantik-test/mariadb:stand-in",
]


def _bundle(odoo, env):
    """make bundle, then with none of the images left and only the extracted
    bundle's files: docker load, odoo -i, up --wait, login page and health."""
    archive = WORK / "bundle.tar"
    with timed("bundle (docker save)"):
        run("docker/bundle.sh", str(archive), *BUNDLE_IMAGES, capture=True)
    size = archive.stat().st_size
    teardown()
    run("docker", "rmi", *BUNDLE_IMAGES, capture=True)
    target = WORK / "bundle"
    target.mkdir()
    run("tar", "-C", str(target), "-xf", str(archive))
    archive.unlink()
    root = target / "sicantik-companion-bundle"
    with timed("bundle: docker load"):
        run("docker", "load", "-i", str(root / "images.tar"), capture=True)
    (root / "images.tar").unlink()
    COMPOSE_FILE["path"] = str(root / "docker" / "docker-compose.yml")
    run("docker", "network", "create", MYSQL_NETWORK, capture=True)
    with timed("bundle: first start"):
        compose(
            "up",
            "-d",
            "--wait",
            "sicantik_mysql_sandbox",
            "minio_documents",
            capture=True,
        )
        seed_mysql(env)
        _make_bucket(env)
        _install_addons()
        up_all()
    _login_page()
    _public_health()
    health = _health()
    return f"{size / 1e9:.1f} GB archive; health: {health}"


def _login_page():
    resp = wait_http("/web/login")
    assert resp.status_code == 200, resp.status_code
    assert 'name="login"' in resp.text, "no login form"
    return True


def _public_health():
    """A visitor sees only the status, whatever X-Forwarded-For it claims
    (nginx appends the real address, Odoo's proxy_mode takes that one)."""
    for headers in ({}, {"X-Forwarded-For": "127.0.0.1"}):
        resp = requests.get(f"{BASE}/sicantik/health", headers=headers, timeout=60)
        assert resp.status_code == 200, (resp.status_code, resp.text[:300])
        assert resp.json() == {"status": "ok"}, resp.text[:300]
    return '{"status": "ok"}, also with a forged X-Forwarded-For'


def _health():
    """The detailed report, as a probe inside the network gets it."""
    out = compose(
        "exec",
        "-T",
        "odoo_companion",
        "curl",
        "-sS",
        "http://127.0.0.1:8069/sicantik/health",
        capture=True,
    ).stdout
    body = json.loads(out)
    assert body.get("status") == "ok", out[:800]
    tls = body["checks"]["mysql_tls"]
    assert tls["ok"] is True and tls["detail"].startswith("on"), tls
    return ", ".join(sorted(body["checks"])) + f"; mysql_tls: {tls['detail']}"


def _tls_front():
    """nginx: HTTP only redirects (to the configured URL, whatever the Host
    header), HTTPS with a certificate the client verifies, HSTS, and Odoo's
    session cookie marked Secure; server_name is the configured host."""
    for host in ("127.0.0.1:8080", "evil.example"):
        resp = requests.get(
            f"{PLAIN}/web/login?x=1",
            headers={"Host": host},
            allow_redirects=False,
            timeout=30,
        )
        assert resp.status_code == 301, resp.status_code
        assert resp.headers["Location"] == f"{BASE}/web/login?x=1", resp.headers
    resp = requests.get(f"{BASE}/web/login", timeout=60)  # verified (CA bundle)
    assert resp.status_code == 200, resp.status_code
    hsts = resp.headers.get("Strict-Transport-Security", "")
    assert "max-age=31536000" in hsts, resp.headers
    resp = requests.post(
        f"{BASE}/web/session/authenticate",
        json={"params": {"db": DB, "login": "admin", "password": "admin"}},
        timeout=60,
    )
    cookies = [
        c for c in resp.raw.headers.getlist("Set-Cookie") if c.startswith("session_id=")
    ]
    assert cookies, resp.headers
    flags = {part.strip().lower() for part in cookies[0].split(";")[1:]}
    assert {"secure", "httponly"} <= flags, cookies[0]
    name = compose(
        "exec",
        "-T",
        "nginx_proxy",
        "cat",
        "/etc/nginx/conf.d/sicantik-server-name.conf",
        capture=True,
    ).stdout
    assert "server_name localhost;" in name, name
    return f"301 -> {BASE}, {hsts}, session_id: {'; '.join(sorted(flags))}"


def _base_url(odoo):
    url = odoo.call("ir.config_parameter", "get_param", "web.base.url")
    frozen = odoo.call("ir.config_parameter", "get_param", "web.base.url.freeze")
    assert url == BASE and frozen, (url, frozen)
    return f"{url} (freeze {frozen})"


def _lockdown(env):
    """docker/README.md's optional step: the audit tables handed to a role Odoo
    is not, with the superuser DSN given for this one run only."""
    dsn = (
        f"postgresql://postgres:{env['POSTGRES_SUPERUSER_PASSWORD']}"
        "@postgres_companion:5432/postgres"
    )
    proc = compose(
        "run",
        "--rm",
        "-T",
        "-e",
        "SICANTIK_AUDIT_LOCKDOWN_DSN",
        "odoo_companion",
        "audit-lockdown",
        env={"SICANTIK_AUDIT_LOCKDOWN_DSN": dsn},
        capture=True,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert proc.returncode == 0 and lines, (proc.stdout + proc.stderr)[-800:]
    report = json.loads(lines[-1])
    assert report.get("ok", True) and "error" not in report, report
    return lines[-1][:200]


def _mysql_grants(env):
    """The account the stack reads SICANTIK with can do nothing but SELECT."""
    import pymysql

    conn = pymysql.connect(
        host="127.0.0.1",
        port=MYSQL_PORT,
        user=env["SICANTIK_MYSQL_USER"],
        password=env["SICANTIK_MYSQL_PASSWORD"],
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW GRANTS")
            grants = [row[0] for row in cur.fetchall()]
    finally:
        conn.close()
    for grant in grants:
        privileges = grant.split(" ON ")[0].removeprefix("GRANT ").strip()
        assert privileges in ("USAGE", "SELECT"), grant
        assert "WITH GRANT OPTION" not in grant, grant
    return "; ".join(g.split(" TO ")[0] for g in grants)


def _versioned(env):
    client = s3_client(env)
    status = client.get_bucket_versioning("sicantik-documents").status
    assert status == "Enabled", status
    return f"versioning {status}"


def _nothing_left():
    left = leftovers()
    assert not left, "; ".join(left)


if __name__ == "__main__":
    sys.exit(main())
