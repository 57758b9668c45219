"""Benchmark: SICANTIK → Odoo sync, beside a raw SELECT + COPY baseline.

Run from the repository root (not a pytest test; the lead wires ``make
bench-sync``)::

    .venv/bin/python tests/bench/bench_sync.py -c odoo.conf [--permits 100000]

Steps, all in one run:

1. generate ``--permits`` applications (PDFs off) into the throw-away MariaDB
   database ``sicantik_bench_sync`` with the sandbox generator;
2. create (or, with ``--reuse-odoo``, reuse) the Odoo database
   ``sicantik_dev_sync_bench`` with ``sicantik_sync`` installed, and empty its
   mirror so the sync starts from nothing;
3. run the initial sync in this process through the real code path
   (``sicantik.sync.run_cycle``, committing per batch like the cron), while a
   thread samples this process' RSS (psutil) for the peak memory growth;
4. the raw baseline: the same source tables read with a plain ``SELECT *`` and
   written with ``COPY`` into unlogged plain PostgreSQL tables (no
   validation, no hashing, no joins, no upsert);
5. a cycle with nothing changed (median of 5, warm connection pool);
6. ``mutate`` touching about 1,000 applications, then one cycle;
7. with ``--recheck``, the nightly full re-check (every row re-read and
   re-hashed, vanished rows marked).

All figures are printed beside their targets; ``--json`` writes them to a
file.  Both databases are dropped at the end unless ``--keep``.  With
``--cache-source`` the generated source is kept between runs under a name
that says its size and seed (``make bench-province``: generating a million
permits takes longer than syncing them) and reused when it is complete.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import pymysql

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import benchlib  # noqa: E402
import stack  # noqa: E402

SOURCE_DB = "sicantik_bench_sync"
ODOO_DB = "sicantik_dev_sync_bench"

#: the tables the sync reads (main tables and the join tables on its path)
TABLES = [
    "trstspermohonan",
    "trperizinan",
    "tmpegawai",
    "tmpemohon",
    "tmpemohon_trkelurahan",
    "tmperusahaan",
    "tmperusahaan_trkelurahan",
    "trkelurahan",
    "trkecamatan",
    "trkecamatan_trkelurahan",
    "tmpermohonan",
    "tmpemohon_tmpermohonan",
    "tmpermohonan_tmperusahaan",
    "tmpermohonan_trperizinan",
    "tmpermohonan_trstspermohonan",
    "tmpermohonan_trjenis_permohonan",
    "trjenis_permohonan",
    "tmpermohonan_tmsk",
    "tmsk",
    "tmpegawai_tmsk",
    "tmtrackingperizinan",
    "tmpermohonan_tmtrackingperizinan",
    "tmtrackingperizinan_trstspermohonan",
]
TARGETS = {
    "ratio_vs_baseline": 0.6,
    "no_change_ms": 50.0,
    "after_1000_s": 1.0,
    "peak_rss_growth_mb": 300.0,
    "recheck_s": 600.0,
}


class RssSampler(threading.Thread):
    """Peak resident memory of this process, sampled every 20 ms."""

    def __init__(self):
        super().__init__(daemon=True)
        self.proc = psutil.Process()
        self.start_rss = self.proc.memory_info().rss
        self.peak = self.start_rss
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.wait(0.02):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def growth_mb(self):
        return (self.peak - self.start_rss) / 2**20


def install_odoo(config_path, reuse):
    from odoo.service import db as db_service

    if reuse and ODOO_DB in db_service.list_dbs(force=True):
        return
    benchlib.install_odoo(config_path, ODOO_DB, "sicantik_sync", 18299)


def reset_mirror(env):
    """Empty the mirror so the measured sync is an initial sync."""
    tables = [
        "sicantik_permit_history",
        "sicantik_permit",
        "sicantik_applicant",
        "sicantik_company",
        "sicantik_official",
        "sicantik_permit_type",
        "sicantik_status",
        "sicantik_sync_quarantine",
        "sicantik_sync_state",
        "sicantik_sync_run",
    ]
    env.cr.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    env.cr.commit()
    env.invalidate_all()


def baseline(env, url_db):
    """SELECT * from MariaDB + COPY into unlogged PostgreSQL tables."""
    cr = env.cr
    cr.execute("DROP SCHEMA IF EXISTS bench_raw CASCADE")
    cr.execute("CREATE SCHEMA bench_raw")
    cr.commit()
    conn = stack.mysql_admin_connect(url_db)
    rows_total = 0
    started = time.perf_counter()
    try:
        for table in TABLES:
            with conn.cursor(pymysql.cursors.SSCursor) as cur:
                cur.execute(f"SELECT * FROM `{table}`")
                cols = [d[0] for d in cur.description]
                cr.execute(
                    f"CREATE UNLOGGED TABLE bench_raw.{table} "
                    f"({', '.join(f'{c} text' for c in cols)})"
                )
                while True:
                    chunk = cur.fetchmany(20000)
                    if not chunk:
                        break
                    buf = io.StringIO()
                    for row in chunk:
                        buf.write(
                            "\t".join(
                                "\\N"
                                if v is None
                                else str(v)
                                .replace("\\", "\\\\")
                                .replace("\t", " ")
                                .replace("\n", " ")
                                for v in row
                            )
                            + "\n"
                        )
                    buf.seek(0)
                    cr._obj.copy_expert(f"COPY bench_raw.{table} FROM STDIN", buf)
                    rows_total += len(chunk)
        cr.commit()
    finally:
        conn.close()
    seconds = time.perf_counter() - started
    cr.execute("DROP SCHEMA bench_raw CASCADE")
    cr.commit()
    return seconds, rows_total


def count_rows(database):
    conn = stack.mysql_admin_connect(database)
    try:
        total = 0
        with conn.cursor() as cur:
            for table in TABLES:
                cur.execute(f"SELECT COUNT(*) FROM `{table}`")
                total += cur.fetchone()[0]
        return total
    finally:
        conn.close()


def source_complete(database, permits):
    """Whether ``database`` holds a finished generation of ``permits``."""
    try:
        conn = stack.mysql_admin_connect(database)
    except Exception:  # noqa: BLE001 - absent: generate it
        return False
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM tmpermohonan")
            return cur.fetchone()[0] >= permits
    except Exception:  # noqa: BLE001 - half-created: generate it again
        return False
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", default=str(ROOT / "odoo.conf"))
    parser.add_argument("--permits", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse-source", action="store_true")
    parser.add_argument("--reuse-odoo", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--cache-source",
        action="store_true",
        help="keep the generated source between runs and reuse it when complete",
    )
    parser.add_argument("--recheck", action="store_true", help="time the re-check")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    stack.ensure_pg_role(stack.read_conf())
    sys.path.insert(0, str(stack.odoo_src()))
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", args.config, "--addons-path", str(ROOT / "odoo_addons")])
    global SOURCE_DB
    if args.cache_source:
        SOURCE_DB = f"sicantik_bench_cache_{args.permits}_{args.seed}"
        args.reuse_source = source_complete(SOURCE_DB, args.permits)
    url = stack.with_database(stack.mysql_admin_url(), SOURCE_DB)
    figures = {"permits": args.permits}

    if not args.reuse_source:
        t0 = time.perf_counter()
        stack.run_sandbox(
            "generate",
            "--url",
            url,
            "--permits",
            str(args.permits),
            "--seed",
            str(args.seed),
            "--reset",
        )
        figures["generate_s"] = round(time.perf_counter() - t0, 1)
    # the engine reads the configured source only, with a SELECT-only
    # account (it refuses one that may write): configure the bench's
    stack.create_readonly_user(SOURCE_DB, "sicantik_bench_ro", "bench-ro-pw")
    admin = urlsplit(url)
    netloc = f"sicantik_bench_ro:bench-ro-pw@{admin.hostname}:{admin.port or 3306}"
    os.environ["SICANTIK_MYSQL_URL"] = urlunsplit(admin._replace(netloc=netloc))
    install_odoo(args.config, args.reuse_odoo)
    source_rows = count_rows(SOURCE_DB)
    figures["source_rows"] = source_rows

    registry = odoo.modules.registry.Registry(ODOO_DB)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        reset_mirror(env)
        Sync = env["sicantik.sync"]

        sampler = RssSampler()
        sampler.start()
        t0 = time.perf_counter()
        result = Sync.run_cycle(commit=True)
        sync_s = time.perf_counter() - t0
        sampler.stop_event.set()
        sampler.join()
        run = result["run"]
        figures.update(
            sync_s=round(sync_s, 2),
            sync_state=run.state,
            sync_entity_rows=run.source_rows,
            permits_per_s=round(args.permits / sync_s),
            source_rows_per_s=round(source_rows / sync_s),
            peak_rss_growth_mb=round(sampler.growth_mb(), 1),
            quarantined=run.quarantined_count,
        )

        base_s, base_rows = baseline(env, SOURCE_DB)
        figures.update(
            baseline_s=round(base_s, 2),
            baseline_rows=base_rows,
            baseline_rows_per_s=round(base_rows / base_s),
        )
        figures["ratio_vs_baseline"] = round(
            figures["source_rows_per_s"] / figures["baseline_rows_per_s"], 3
        )

        timings = []
        for _i in range(5):
            t0 = time.perf_counter()
            Sync.run_cycle(commit=True)
            timings.append((time.perf_counter() - t0) * 1000)
        figures["no_change_ms"] = round(statistics.median(timings), 1)

        summary = stack.run_sandbox(
            "mutate",
            "--url",
            url,
            "--seed",
            str(args.seed),
            "--new",
            "200",
            "--steps",
            "700",
            "--issue",
            "100",
            "--edits",
            "20",
        )
        figures["mutated_applications"] = len(summary["touched_ids"])
        t0 = time.perf_counter()
        result = Sync.run_cycle(commit=True)
        figures["after_1000_s"] = round(time.perf_counter() - t0, 3)
        figures["after_1000_updated"] = result["run"].updated_count
        figures["after_1000_created"] = result["run"].created_count

        if args.recheck:
            sampler = RssSampler()
            sampler.start()
            t0 = time.perf_counter()
            result = Sync.run_cycle(kind="recheck", commit=True)
            figures["recheck_s"] = round(time.perf_counter() - t0, 1)
            sampler.stop_event.set()
            sampler.join()
            figures["recheck_state"] = result["run"].state
            figures["recheck_rss_growth_mb"] = round(sampler.growth_mb(), 1)

    targets = {
        "ratio_vs_baseline": figures["ratio_vs_baseline"]
        >= TARGETS["ratio_vs_baseline"],
        "no_change_ms": figures["no_change_ms"] <= TARGETS["no_change_ms"],
        "after_1000_s": figures["after_1000_s"] <= TARGETS["after_1000_s"],
        "peak_rss_growth_mb": figures["peak_rss_growth_mb"]
        <= TARGETS["peak_rss_growth_mb"],
    }
    if "recheck_s" in figures:
        targets["recheck_s"] = figures["recheck_s"] <= TARGETS["recheck_s"]
    mutated = figures["mutated_applications"]
    lines = [
        f"initial sync      {figures['sync_s']:>9} s   "
        f"{figures['permits_per_s']:>8} permits/s  "
        f"{figures['source_rows_per_s']:>9} source rows/s",
        f"raw baseline      {figures['baseline_s']:>9} s   "
        f"{'':>8}            {figures['baseline_rows_per_s']:>9} rows/s",
        f"ratio             {figures['ratio_vs_baseline']:>9}     "
        f"target >= 0.6    {'OK' if targets['ratio_vs_baseline'] else 'MISSED'}",
        f"no-change cycle   {figures['no_change_ms']:>9} ms  "
        f"target <= 50     {'OK' if targets['no_change_ms'] else 'MISSED'}",
        f"after {mutated} changed  {figures['after_1000_s']:>9} s   "
        f"target <= 1      {'OK' if targets['after_1000_s'] else 'MISSED'}",
        f"peak RSS growth   {figures['peak_rss_growth_mb']:>9} MB  "
        f"target < 300     {'OK' if targets['peak_rss_growth_mb'] else 'MISSED'}",
    ]
    if "recheck_s" in figures:
        lines.append(
            f"nightly re-check  {figures['recheck_s']:>9} s   "
            f"target <= 600    {'OK' if targets['recheck_s'] else 'MISSED'}"
        )
    sys.stdout.write("\n".join(lines) + "\n" + json.dumps(figures) + "\n")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2))
    if not args.keep:
        odoo.sql_db.close_all()
        benchlib.drop_database(ODOO_DB)
    if not (args.keep or args.cache_source):
        conn = stack.mysql_admin_connect()
        try:
            with conn.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{SOURCE_DB}`")
        finally:
            conn.close()
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
