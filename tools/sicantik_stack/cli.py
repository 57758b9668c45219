"""The commands of ``tools/stack.py``.

``test``, ``run``, ``services``, ``check-odoo`` and ``odoo-src``.
"""

import argparse
import base64
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from .base import (
    ADDONS,
    CONF,
    LOCAL,
    ROOT,
    die,
    free_port,
    local_secret,
    log,
    read_conf,
    setting,
)
from .databases import (
    _sandbox_admin,
    create_readonly_user,
    drop_mysql,
    drop_pg_database,
    ensure_pg_role,
    mysql_admin_url,
    mysql_database_exists,
    pg_database_exists,
    pg_superuser_dsn,
    seed_sicantik,
)
from .odoo import (
    _is_odoo,
    _odoo_help,
    fetch_odoo,
    odoo_argv,
    odoo_env,
    odoo_src,
    odoo_src_candidate,
    our_addons,
)
from .services import BsreSandbox, S3Server

#: Odoo core tests that must pass with our addons installed (post_install).
CORE_TESTS = ("/base:TestOverrides",)


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
        env_extra.update(
            {
                "SICANTIK_MYSQL_URL": _sandbox_admin().db_url(
                    mysql_db, ro_user, ro_password
                ),
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
    parser = argparse.ArgumentParser(
        description="The local stack of SICANTIK Companion, for `make run`, "
        "`make test` and benches."
    )
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
