"""Benchmark: batch signing vs serial calls, and the public verification page.

Run from the repository root (not a pytest test)::

    .venv/bin/python tests/bench/bench_sign.py [--documents 100] [--latency-ms 300]
    .venv/bin/python tests/bench/bench_sign.py --verify-url \\
        http://127.0.0.1:8018/verify/<token> [--odoo-db DB --odoo-login admin ...]

Part 1 starts a private BSrE sandbox with ``--latency-ms`` on every call and
signs ``--documents`` PDFs twice in the same run: one call per document in
series (the baseline), then through the addon's batch path
(``lib/batch.sign_batch``: v2 batch calls of ``--chunk`` files, ``--workers``
in parallel).  The sandbox's call log checks that each pass signed every
document exactly once.  Target: the batch ≤ 6 s for 100 documents at 300 ms.

Part 2 (against ``--verify-url`` of a running Odoo with a signed token, or,
by default, a throw-away database and server set up here with one token)
drives ``--clients`` concurrent clients (threads, bounded by
``--requests`` each and ``--seconds``) against the page and reports p50/p95
after an uncounted warm-up round (templates compiled in every worker).
With ``--odoo-db``/``--odoo-login``/``--odoo-password`` it first lifts the rate
limit (XML-RPC, restored afterwards) so latency is measured without 429s, then
sets a small limit and reports where the limiter cuts off (200s before the
first 429, and ``Retry-After``).  All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # a script run from anywhere: find the sandbox
    sys.path.insert(0, str(ROOT))

from sandbox.bsre import pdfsample  # noqa: E402
from sandbox.bsre.runner import start_sandbox  # noqa: E402

LIB_DIR = ROOT / "odoo_addons" / "sicantik_bsre" / "lib"
ISSUE_NIK = "1206010101800001"
PASSPHRASE = "Sandbox#123"  # sandbox test data (sandbox/bsre/users.json)
TARGET_SECONDS = 6.0


def load_lib():
    """The addon's plain-Python package, without importing Odoo."""
    name = "sicantik_bsre_lib"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, LIB_DIR / "__init__.py", submodule_search_locations=[str(LIB_DIR)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def percentile(values, pct):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


# ------------------------------------------------------------------ signing
def bench_signing(args):
    load_lib()
    from sicantik_bsre_lib.batch import sign_batch
    from sicantik_bsre_lib.client import BsreClient

    docs = [
        pdfsample.make_pdf([[f"Surat Izin Nomor {i:04d}", "Bench"]])
        for i in range(args.documents)
    ]
    with start_sandbox(extra_args=["--latency-ms", str(args.latency_ms)]) as sb:
        admin = requests.Session()
        admin.auth = sb.auth
        with BsreClient(sb.url, *sb.auth, pool_size=max(16, args.workers)) as client:
            client.user_status(ISSUE_NIK)  # warm the connection pool

            started = time.perf_counter()
            for data in docs:
                client.sign(data, ISSUE_NIK, PASSPHRASE)
            serial = time.perf_counter() - started
            serial_calls = len(
                admin.get(sb.url + "/_sandbox/log?endpoint=v2.sign").json()
            )
            admin.delete(sb.url + "/_sandbox/log")

            started = time.perf_counter()
            results = list(
                sign_batch(
                    client,
                    list(enumerate(docs)),
                    ISSUE_NIK,
                    PASSPHRASE,
                    chunk_size=args.chunk,
                    workers=args.workers,
                )
            )
            batch = time.perf_counter() - started
        calls = admin.get(sb.url + "/_sandbox/log?endpoint=v2.sign").json()
    signed = sum(1 for r in results if r.state == "signed")
    signed_in_log = sum(len(c["documents"]) for c in calls if c["signed"])
    print(f"signing {args.documents} documents, sandbox latency {args.latency_ms} ms")
    print(f"  serial : {serial:6.2f} s  ({serial_calls} calls)")
    print(
        f"  batch  : {batch:6.2f} s  ({len(calls)} calls of <= {args.chunk} files, "
        f"{args.workers} in parallel) -> {serial / batch:.1f}x faster"
    )
    print(
        f"  batch signed {signed}/{args.documents}, sandbox log {signed_in_log} "
        f"documents; target <= {TARGET_SECONDS:.0f} s: "
        f"{'OK' if batch <= TARGET_SECONDS and signed == args.documents else 'MISSED'}"
    )
    return batch <= TARGET_SECONDS and signed == args.documents


# ------------------------------------------------------------- public page
def check_loopback(url):
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load-test a non-loopback host: {host}")


def drive(url, clients, per_client, seconds, fresh=False):
    """``clients`` threads, each up to ``per_client`` GETs within ``seconds``."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    samples = []

    def client():
        session = requests.Session()
        try:
            for _ in range(per_client):
                if time.monotonic() > deadline:
                    return
                if fresh:
                    # A new connection per request, like phones scanning QR
                    # codes (costs the client a TCP setup per request).
                    session.close()
                    session = requests.Session()
                started = time.perf_counter()
                response = session.get(url, timeout=30)
                elapsed = time.perf_counter() - started
                with lock:
                    samples.append(
                        (
                            time.monotonic(),
                            response.status_code,
                            elapsed,
                            response.headers.get("Retry-After"),
                        )
                    )
        finally:
            session.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for _ in range(clients):
            pool.submit(client)
    return samples, time.perf_counter() - started


class OdooParams:
    """Set ``sicantik_bsre.*`` system parameters over XML-RPC (and restore)."""

    def __init__(self, base, db, login, password):
        common = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/common")
        self.uid = common.authenticate(db, login, password, {})
        if not self.uid:
            raise SystemExit("Odoo login failed")
        self.models = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/object")
        self.db, self.password = db, password
        self.saved = {}

    def set(self, key, value):
        call = self.models.execute_kw
        current = call(
            self.db, self.uid, self.password, "ir.config_parameter", "get_param", [key]
        )
        self.saved.setdefault(key, current)
        call(
            self.db,
            self.uid,
            self.password,
            "ir.config_parameter",
            "set_param",
            [key, value],
        )

    def restore(self):
        for key, value in self.saved.items():
            self.models.execute_kw(
                self.db,
                self.uid,
                self.password,
                "ir.config_parameter",
                "set_param",
                [key, value or False],
            )


def bench_page(args):
    check_loopback(args.verify_url)
    parts = urlsplit(args.verify_url)
    base = f"{parts.scheme}://{parts.netloc}"
    params = None
    if args.odoo_db:
        params = OdooParams(base, args.odoo_db, args.odoo_login, args.odoo_password)
    try:
        if params:
            params.set("sicantik_bsre.verify_rate_limit", "1000000")
        # Warm-up, not counted: every worker compiles the template and loads
        # the registry once; the figures below are for the steady state.
        drive(args.verify_url, args.clients, 2, args.seconds)
        samples, wall = drive(
            args.verify_url,
            args.clients,
            args.requests,
            args.seconds,
            fresh=args.new_connections,
        )
        ok = [s[2] for s in samples if s[1] == 200]
        limited = sum(1 for s in samples if s[1] == 429)
        print(
            f"public page, {args.clients} concurrent clients, {len(samples)} "
            f"requests in {wall:.1f} s ({len(samples) / wall:.0f} req/s)"
        )
        print(
            f"  200: {len(ok)}  p50 {percentile(ok, 50) * 1000:.0f} ms  "
            f"p95 {percentile(ok, 95) * 1000:.0f} ms  max {max(ok or [0]) * 1000:.0f}"
            f" ms;  429: {limited}"
        )
        # Baseline in the same run: Odoo's own smallest route under the same
        # load (what any page of this server costs, ours or not).
        base_samples, base_wall = drive(
            base + "/web/health",
            args.clients,
            args.requests,
            args.seconds,
            fresh=args.new_connections,
        )
        base_ok = [s[2] for s in base_samples if s[1] == 200]
        print(
            f"  baseline /web/health: {len(base_ok)} x 200 in {base_wall:.1f} s "
            f"({len(base_samples) / base_wall:.0f} req/s)  p50 "
            f"{percentile(base_ok, 50) * 1000:.0f} ms  p95 "
            f"{percentile(base_ok, 95) * 1000:.0f} ms"
        )
        if params:
            limit = args.limit
            params.set("sicantik_bsre.verify_rate_limit", str(limit))
            # A new window: wait for the next minute boundary of the limiter.
            time.sleep(61 - time.time() % 60)
            samples, wall = drive(args.verify_url, args.clients, 4, 20)
            samples.sort()
            first_429 = next(
                (i for i, s in enumerate(samples) if s[1] == 429), len(samples)
            )
            passed = sum(1 for s in samples if s[1] == 200)
            retry = [s[3] for s in samples if s[1] == 429][:1]
            limited_latency = [s[2] for s in samples if s[1] == 429]
            print(
                f"  limiter at {limit}/min per visitor: {passed} x 200 then 429 "
                f"(first 429 at request #{first_429 + 1} of {len(samples)}), "
                f"Retry-After {retry[0] if retry else '-'} s, 429 p50 "
                f"{percentile(limited_latency, 50) * 1000:.0f} ms"
            )
    finally:
        if params:
            params.restore()


@contextlib.contextmanager
def throwaway_odoo(workers=4):
    """A fresh database with sicantik_bsre, one verification token, a server.

    Lets ``make bench-sign`` measure the public page without a prepared
    installation: the page only reads the precomputed public summary
    (``sicantik.verification``), so one such record is all it needs.  Yields
    ``(verify_url, database)``; everything is dropped afterwards.
    """
    import secrets

    sys.path.insert(0, str(ROOT / "tools"))
    import stack

    conf = stack.read_conf()
    stack.ensure_pg_role(conf)
    db = f"sicantik_bench_sign_{os.getpid()}"
    env = stack.odoo_env()
    token = secrets.token_urlsafe(32)
    script = (
        "import hashlib\n"
        "env['sicantik.verification'].sudo().create({"
        f"'token': {token!r}, "
        f"'token_hash': hashlib.sha256({token!r}.encode()).hexdigest(), "
        "'permit_number': '503/0001/SIUP/DPMPTSP/2026', "
        "'registration_number': '0000100301012026', "
        "'permit_type': 'SURAT IZIN USAHA PERDAGANGAN (SIUP)', "
        "'holder_masked': 'R***** S*****', 'issue_date': '2026-01-09', "
        "'expiry_date': '2031-01-09', 'signer_name': 'Budi Santoso', "
        "'signed_at': '2026-01-09 03:00:00', 'sha256': '0' * 64})\n"
        "env.cr.commit()\n"
    )
    server = None
    try:
        print(f"[bench] installing sicantik_bsre into {db} …", flush=True)
        subprocess.run(
            stack.odoo_argv(
                conf,
                "-d",
                db,
                "-i",
                "sicantik_bsre",
                "--stop-after-init",
                f"--http-port={stack.free_port()}",
                "--log-level=warn",
            ),
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            stack.odoo_argv(conf, "-d", db, "--no-http", command="shell"),
            input=script,
            text=True,
            env=env,
            check=True,
            capture_output=True,
        )
        port = stack.free_port()
        server = stack.Proc(
            "odoo-bench",
            stack.odoo_argv(
                conf,
                "-d",
                db,
                f"--db-filter=^{db}$",
                f"--http-port={port}",
                f"--gevent-port={stack.free_port()}",
                f"--workers={workers}",
                "--max-cron-threads=0",
                "--log-level=warn",
            ),
            Path(tempfile.mkdtemp(prefix="sicantik-bench-sign-")) / "odoo.log",
            env=env,
        )
        url = f"http://127.0.0.1:{port}/verify/{token}"
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/web/health", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        yield url, db
    finally:
        if server:
            server.stop()
        with contextlib.suppress(Exception):
            stack.drop_pg_database(conf, db)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--chunk", type=int, default=10)
    parser.add_argument("--workers", type=int, default=10)
    parser.add_argument("--skip-signing", action="store_true")
    parser.add_argument(
        "--verify-url", help="page of a running Odoo (default: a throw-away one)"
    )
    parser.add_argument("--skip-page", action="store_true")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="per client")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument(
        "--new-connections",
        action="store_true",
        help="one TCP connection per request instead of one per client",
    )
    parser.add_argument("--odoo-db")
    parser.add_argument("--odoo-login", default="admin")
    parser.add_argument("--odoo-password", default="admin")
    args = parser.parse_args(argv)
    ok = True
    if not args.skip_signing:
        ok = bench_signing(args)
    if args.verify_url:
        bench_page(args)
    elif not args.skip_page:
        with throwaway_odoo() as (url, db):
            args.verify_url, args.odoo_db = url, db
            bench_page(args)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
