"""Benchmark: generate a 100,000-permit SICANTIK sandbox database.

Run from the repository root (not a pytest test)::

    .venv/bin/python tests/bench/bench_sandbox_generate.py [--permits 100000]

It generates into a throw-away ``sicantik_bench_<random>`` database (PDFs off),
prints seconds, permits/s and rows/s, then measures a raw baseline in the same
run: MariaDB copying the very same tables into a second throw-away schema with
``CREATE TABLE ... LIKE`` + ``INSERT ... SELECT`` (server-side, no client, no
parsing).  The generator cannot beat that copy; the ratio says how close the
full Python pipeline (simulate, serialise, ship, load) gets.  Both databases are
dropped at the end.  The budget is 120 s for 100,000 permits on 2 cores.
"""

from __future__ import annotations

import argparse
import importlib
import json
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # a script run from anywhere: find the sandbox
    sys.path.insert(0, str(ROOT))
admin = importlib.import_module("sandbox.sicantik.admin")
db = importlib.import_module("sandbox.sicantik.db")
generate = importlib.import_module("sandbox.sicantik.generator").generate

BUDGET_SECONDS = 120.0


def copy_baseline(params, source: str, target: str) -> tuple[float, int]:
    """Server-side copy of every table of ``source``; returns (seconds, rows)."""
    conn = db.connect(params)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME",
                (source,),
            )
            tables = [r[0] for r in cur.fetchall()]
            cur.execute(f"CREATE DATABASE `{target}` CHARACTER SET utf8mb4")
            for table in tables:
                cur.execute(
                    f"CREATE TABLE `{target}`.`{table}` LIKE `{source}`.`{table}`"
                )
            conn.commit()
            rows = 0
            t0 = time.perf_counter()
            for table in tables:
                rows += cur.execute(
                    f"INSERT INTO `{target}`.`{table}` "
                    f"SELECT * FROM `{source}`.`{table}`"
                )
                conn.commit()
            return time.perf_counter() - t0, rows
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--permits", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--server",
        default=admin.admin_url(),
        help="server URL without database (default: SICANTIK_MYSQL_ADMIN_URL or "
        "%(default)s)",
    )
    parser.add_argument("--keep", action="store_true", help="do not drop the databases")
    args = parser.parse_args(argv)

    params = db.parse_url(args.server)
    name = f"sicantik_bench_{secrets.token_hex(4)}"
    copy = f"{name}_copy"
    base = args.server.rstrip("/")
    try:
        summary = generate(f"{base}/{name}", args.permits, args.seed, reset=True)
        gen_s = summary["seconds"]
        rows = summary["rows"]
        copy_s, copy_rows = copy_baseline(params, name, copy)
        assert copy_rows == rows, (copy_rows, rows)
        result = {
            "permits": args.permits,
            "rows": rows,
            "generate_seconds": round(gen_s, 2),
            "build_seconds": summary["build_seconds"],
            "permits_per_second": int(args.permits / gen_s),
            "rows_per_second": int(rows / gen_s),
            "baseline_insert_select_seconds": round(copy_s, 2),
            "baseline_rows_per_second": int(rows / copy_s),
            "generate_vs_baseline": round(gen_s / copy_s, 2),
            "budget_seconds": BUDGET_SECONDS,
            "within_budget": gen_s < BUDGET_SECONDS * args.permits / 100_000,
        }
        print(
            f"generate   {args.permits:>9,} permits  {rows:>10,} rows  "
            f"{gen_s:7.1f} s  {result['permits_per_second']:>7,} permits/s  "
            f"{result['rows_per_second']:>9,} rows/s  "
            f"(in-memory build {summary['build_seconds']:.1f} s)"
        )
        print(
            f"baseline   INSERT ... SELECT copy of the same tables        "
            f"{copy_s:7.1f} s  {result['baseline_rows_per_second']:>26,} rows/s"
        )
        print(
            f"ratio      generate / baseline = {result['generate_vs_baseline']:.2f}"
            f"   budget {BUDGET_SECONDS:.0f} s per 100k: "
            f"{'OK' if result['within_budget'] else 'OVER'}"
        )
        print(json.dumps(result, separators=(",", ":")))
        return 0 if result["within_budget"] else 1
    finally:
        if not args.keep:
            for db_name in (name, copy):
                db.drop_database(params, db_name)


if __name__ == "__main__":
    sys.exit(main())
