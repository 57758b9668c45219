#!/usr/bin/env python3
"""Benchmark of sicantik_audit: logging cost and full-chain verification.

Figures printed beside their targets and baselines:

1. **Per-event logging cost inside a business transaction** — N transactions
   shaped like HTTP requests (a freshly borrowed cursor, a query that takes
   Odoo's REPEATABLE READ snapshot), each with one timed
   ``env["sicantik.audit.event"].log(...)`` through the real API (masking,
   canonical JSON, INSERT), then a timed commit, whose post-commit hook seals
   the event into the hash chain.  Interleaved with them, the *insert-only
   baseline*: the same transactions with one plain INSERT of a similar row
   into a table of the same shape and indexes.  Median and p95 of both, for
   the call and for the commit.  Target: API median <= 0.3 ms.
2. **Backlog seal** — events committed without their post-commit seal (as
   after a crash), then sealed by what the cron calls; the chain verifies.
3. **Full verification of a 1,000,000-event chain** — a valid chain is built
   with COPY in TEMPORARY tables that shadow the audit tables for that one
   connection (nothing is written to the real ones), then the addon's own
   ``_audit_verify_chain`` runs over it.  Target: <= 30 s.

Without ``--database`` a throw-away database is created (sicantik_audit is
installed into it with odoo-bin) and dropped afterwards.  Odoo's source is taken
from ``$ODOO_SRC``.  Exit status 1 when a target is missed.
"""

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADDONS = ROOT / "odoo_addons"
CONF = ROOT / "odoo.conf"
TARGET_LOG_MS = 0.3
TARGET_VERIFY_S = 30.0


def odoo_src():
    src = os.environ.get("ODOO_SRC")
    if not src or not (Path(src) / "odoo-bin").is_file():
        sys.exit("Set ODOO_SRC to an Odoo 18 source checkout (see README.md).")
    return Path(src)


def db_args():
    args = []
    for var, opt in (
        ("DB_HOST", "db_host"),
        ("DB_PORT", "db_port"),
        ("DB_USER", "db_user"),
        ("DB_PASSWORD", "db_password"),
    ):
        if os.environ.get(var):
            args.append(f"--{opt}={os.environ[var]}")
    return args


def odoo_options(database):
    return [
        "-c",
        str(CONF),
        f"--addons-path={ADDONS}",
        f"--data-dir={ROOT / '.local' / 'odoo-data'}",
        "-d",
        database,
        "--log-level=warn",
        "--max-cron-threads=0",
        *db_args(),
    ]


def install(database):
    """Create ``database`` with sicantik_audit, as `make test` would."""
    argv = [
        sys.executable,
        str(odoo_src() / "odoo-bin"),
        *odoo_options(database),
        "-i",
        "sicantik_audit",
        "--stop-after-init",
        "--no-http",
        "--without-demo=all",
    ]
    sys.path.insert(0, str(ROOT / "tools"))
    import stack

    stack.ensure_pg_role(stack.read_conf())
    print(f"[bench] installing sicantik_audit into {database} …", flush=True)
    subprocess.run(argv, check=True, cwd=ROOT)


def drop(database):
    from odoo.service import db

    db.exp_drop(database)


def percentile(values, pct):
    ordered = sorted(values)
    index = min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def bench_logging(registry, count):
    """Per-transaction figures (ms) of the API and of the insert-only baseline.

    Each transaction is shaped like an HTTP request: a cursor freshly borrowed
    from Odoo's pool (which resets the session, so nothing prepared survives),
    a little business work (a query, which takes Odoo's REPEATABLE READ
    snapshot), then the timed call, then the timed commit — for the API the
    commit includes the post-commit seal that chains the event.
    """
    from odoo import api

    with registry.cursor() as cr:
        # A regular (WAL-logged) table of the same shape and indexes: a TEMP
        # table would make the baseline unfairly cheap.
        cr.execute(
            "DROP TABLE IF EXISTS bench_plain_event;"
            " CREATE TABLE bench_plain_event (LIKE sicantik_audit_event INCLUDING ALL)"
        )
    plain_sql = (
        "INSERT INTO bench_plain_event (sequence, event_time, actor_type,"
        " actor_uid, actor_login, action, res_model, res_id, summary, details,"
        " prev_hash, hash) VALUES (%s, %s, 'system', 1, '__system__',"
        " 'bench.event', 'res.partner', %s, %s, %s, %s, %s)"
    )
    digest = "0" * 64
    times = {"api": [], "api_commit": [], "base": [], "base_commit": []}
    for i in range(count):
        # One business transaction that logs ...
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            cr.execute("SELECT id FROM res_partner ORDER BY id LIMIT 1")
            t0 = time.perf_counter()
            env["sicantik.audit.event"].log(
                "bench.event",
                summary=f"permit {i} synchronised",
                record=("res.partner", i + 1),
                details={"nik": "3201234567890123", "batch": i, "rows": 500},
            )
            t1 = time.perf_counter()
            cr.commit()
            t2 = time.perf_counter()
        times["api"].append(t1 - t0)
        times["api_commit"].append(t2 - t1)
        # ... and one that only inserts a similar row (the baseline).
        with registry.cursor() as cr:
            cr.execute("SELECT id FROM res_partner ORDER BY id LIMIT 1")
            t0 = time.perf_counter()
            cr.execute(
                plain_sql,
                (
                    i + 1,
                    datetime.utcnow(),
                    i + 1,
                    f"permit {i} synchronised",
                    '{"batch":1,"nik":"************0123","rows":500}',
                    digest,
                    digest,
                ),
            )
            t1 = time.perf_counter()
            cr.commit()
            t2 = time.perf_counter()
        times["base"].append(t1 - t0)
        times["base_commit"].append(t2 - t1)
    with registry.cursor() as cr:
        cr.execute("DROP TABLE bench_plain_event")
        cr.execute(
            "SELECT count(*) FROM sicantik_audit_event"
            " WHERE action = 'bench.event' AND sequence IS NULL"
        )
        left_pending = cr.fetchone()[0]
    if left_pending:
        sys.exit(f"{left_pending} benchmark events were not sealed after commit")
    return {
        name: (statistics.median(values) * 1000, percentile(values, 95) * 1000)
        for name, values in times.items()
    }


def bench_seal_backlog(registry, count):
    """Seconds to seal a backlog of ``count`` committed pending events (what
    the cron does after an outage), and the chain still verifies."""
    from odoo import api

    audit_event = sys.modules["odoo.addons.sicantik_audit.models.audit_event"]
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        events = env["sicantik.audit.event"]
        for i in range(count):
            values = events._audit_values(
                "bench.backlog", f"backlog {i}", None, {"i": i}
            )
            audit_event.append_event(cr, values)
        # Committed without the post-commit hook: a backlog, as after a crash.
    t0 = time.perf_counter()
    sealed = audit_event.seal_committed(registry, batches=10_000)
    elapsed = time.perf_counter() - t0
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        report = env["sicantik.audit.event"]._audit_verify_chain(anchors=False)
    if sealed < count or not report["ok"] or report["pending"]:
        sys.exit(f"backlog seal failed: sealed {sealed} of {count}: {report}")
    return elapsed


def _copy_chain(cr, count, chunk=100_000):
    """COPY a valid ``count``-event chain into the (shadowing) temp table."""
    chain = sys.modules["odoo.addons.sicantik_audit.lib.chain"]
    prev = chain.GENESIS
    base = datetime(2026, 1, 1)
    seq = 0
    columns = chain.ROW_FIELDS
    while seq < count:
        buffer = io.StringIO()
        for _ in range(min(chunk, count - seq)):
            seq += 1
            values = (
                seq,
                (base + timedelta(milliseconds=seq * 37)).strftime(chain.TIME_FORMAT),
                "user" if seq % 3 else "cron",
                2,
                "petugas.loket",
                "Petugas Loket",
                None,
                ("document.download", "sync.run", "sign.approve")[seq % 3],
                "sicantik.permit",
                seq % 50_000,
                f"Permit {seq % 50_000} handled",
                chain.details_json({"batch": seq // 500, "nik": "************0123"}),
                "10.20.30.40",
                "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
            )
            digest = chain.event_hash(prev, chain.canonical(values))
            fields = [r"\N" if v is None else str(v) for v in values]
            buffer.write("\t".join((*fields, prev, digest)) + "\n")
            prev = digest
        buffer.seek(0)
        cr._obj.copy_from(buffer, "sicantik_audit_event", columns=columns)
    return prev


def bench_verify(registry, count):
    """Seconds to verify a ``count``-event chain with the addon's verifier."""
    from odoo import api

    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        for table in ("sicantik_audit_event", "sicantik_audit_checkpoint"):
            cr.execute(f"CREATE TEMP TABLE {table} (LIKE public.{table} INCLUDING ALL)")
        t0 = time.perf_counter()
        last = _copy_chain(cr, count)
        cr.execute("ANALYZE sicantik_audit_event")
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = env["sicantik.audit.event"]._audit_verify_chain(anchors=False)
        elapsed = time.perf_counter() - t0
        cr.rollback()
    if not (
        report["ok"] and report["checked"] == count and report["last_hash"] == last
    ):
        sys.exit(f"verification of the generated chain failed: {report}")
    return build, elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="existing database with sicantik_audit")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--chain", type=int, default=1_000_000)
    parser.add_argument("--backlog", type=int, default=20_000)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(odoo_src()))
    import odoo
    from odoo.modules.registry import Registry

    database = args.database or f"sicantik_bench_audit_{os.getpid()}"
    if not args.database:
        install(database)
    odoo.tools.config.parse_config(odoo_options(database))
    try:
        registry = Registry(database)
        figures = bench_logging(registry, args.events)
        backlog = bench_seal_backlog(registry, args.backlog)
        build, verify = bench_verify(registry, args.chain)
    finally:
        if not args.database:
            Registry.delete(database)
            odoo.sql_db.close_all()
            drop(database)
    api_med, api_p95 = figures["api"]
    base_med, base_p95 = figures["base"]
    ok_log = api_med <= TARGET_LOG_MS
    ok_verify = verify <= TARGET_VERIFY_S
    print(
        f"sicantik_audit benchmark ({args.events} request-shaped transactions, "
        f"backlog {args.backlog:,}, chain {args.chain:,})"
    )
    print(
        f"  log() in a business transaction: median {api_med:.3f} ms, "
        f"p95 {api_p95:.3f} ms   target <= {TARGET_LOG_MS} ms median  "
        f"{'OK' if ok_log else 'MISSED'}"
    )
    print(
        f"  insert-only baseline (same run): median {base_med:.3f} ms, "
        f"p95 {base_p95:.3f} ms   difference {api_med - base_med:+.3f} ms"
    )
    (seal_med, seal_p95), (bc_med, bc_p95) = (
        figures["api_commit"],
        figures["base_commit"],
    )
    print(
        f"  commit incl. post-commit seal: median {seal_med:.3f} ms, p95 "
        f"{seal_p95:.3f} ms   baseline commit: median {bc_med:.3f} ms, p95 "
        f"{bc_p95:.3f} ms   (outside the business transaction)"
    )
    print(
        f"  seal of a {args.backlog:,}-event backlog: {backlog:.2f} s "
        f"({args.backlog / backlog:,.0f} events/s)"
    )
    print(
        f"  full verification of {args.chain:,} events: {verify:.1f} s "
        f"({args.chain / verify:,.0f} events/s)   target <= {TARGET_VERIFY_S:.0f} s  "
        f"{'OK' if ok_verify else 'MISSED'}   (built with COPY in {build:.1f} s)"
    )
    return 0 if ok_log and ok_verify else 1


if __name__ == "__main__":
    sys.exit(main())
