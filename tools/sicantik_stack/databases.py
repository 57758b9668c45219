"""The databases of the stack: the SICANTIK sandbox MariaDB, Odoo's PostgreSQL."""

import contextlib
import json
import os
import shutil
import subprocess
import sys

from .base import ROOT, die, log


# ---------------------------------------------------------------- SICANTIK MySQL
def _sandbox_admin():
    """The repository's one MySQL admin helper (``sandbox/sicantik/admin.py``)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from sandbox.sicantik import admin  # pylint: disable=import-outside-toplevel

    return admin


def mysql_admin_url():
    return _sandbox_admin().admin_url()


def with_database(url, database):
    return _sandbox_admin().db_url(database, base=url)


def mysql_admin_connect(database=None):
    return _sandbox_admin().admin_connect(database)


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
