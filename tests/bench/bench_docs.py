#!/usr/bin/env python3
"""Benchmark: import of an upload folder into S3, beside a raw SDK baseline.

What is measured, in one run against one S3 server:

1. **baseline** — the same files put into the same bucket by a plain ``minio``
   SDK loop (``put_object`` per file, no checks, no database), once
   sequentially and once with as many threads as the import uploads with;
2. **import** — ``sicantik.document.import._import_batch()`` called like the
   cron does (one bounded batch per call, commit after each) on an Odoo
   database with the permits: walk, path-template parsing, permit matching,
   magic-byte check, streamed SHA-256, immutable-key ``stat`` + streamed
   upload, one ``sicantik.document`` row per file, audit events;
3. **rescan** — a second cycle over the unchanged folder (no upload: what every
   cron interval costs once the folder is imported).

Files/s and MB/s are printed for each, with the ratio to the baseline, and the
process's peak RSS.  The last line is the result as JSON.

Usage (S3 from ``SICANTIK_S3_*`` when set, otherwise a private SeaweedFS server
is started; Odoo's source from ``ODOO_SRC``)::

    python tests/bench/bench_docs.py --files 2000 --size-kb 200
"""

import argparse
import base64
import concurrent.futures
import importlib.util
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def load_stack():
    path = ROOT / "tools" / "stack.py"
    spec = importlib.util.spec_from_file_location("bench_stack", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def start_s3():
    """A private S3 server (the harness's, whose catalog listeners are off and
    whose volume count follows the free disk, so it runs beside another)."""
    stack = load_stack()
    work = Path(tempfile.mkdtemp(prefix="sicantik-bench-s3-"))
    server = stack.S3Server(
        work, stack.free_port(), "sicantik", "bench-secret", "docs-bench"
    )
    server.start()
    return server, work


def write_tree(root, count, size_kb, first_number):
    """``count`` PDFs of ``size_kb`` KB (incompressible) in the flat layout."""
    folder = root / "assets" / "upload" / "izin"
    folder.mkdir(parents=True)
    numbers = []
    total = 0
    for i in range(count):
        number = f"{first_number + i:05d}00101112026"
        body = b"%PDF-1.4\n" + os.urandom(size_kb * 1024 - 16) + b"\n%%EOF\n"
        (folder / f"{number}.pdf").write_bytes(body)
        numbers.append(number)
        total += len(body)
    return numbers, total


def baseline(tree, env, workers=1):
    """Plain SDK loop (``workers`` threads): no checks, no database.

    Run once sequentially (the plain loop) and once with as many threads as
    the import uses (``sicantik_doc_upload_workers``), so the import's own
    concurrency is not mistaken for a faster path.
    """
    stack = load_stack()
    client = stack.s3_client(stack.base_lib("settings").Settings.from_environ(env))
    bucket = env["SICANTIK_S3_BUCKET"]
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
    prefix = f"bench-raw/{uuid.uuid4().hex}"
    files = sorted(tree.rglob("*.pdf"))

    def put(path):
        with open(path, "rb") as fh:
            client.put_object(
                bucket,
                f"{prefix}/{path.name}",
                fh,
                length=path.stat().st_size,
                content_type="application/pdf",
            )

    start = time.perf_counter()
    if workers == 1:
        for path in files:
            put(path)
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(put, files))
    return time.perf_counter() - start


def odoo_env(database):
    """Odoo with sicantik_documents installed in ``database`` (created if new)."""
    src = os.environ.get("ODOO_SRC")
    if src and src not in sys.path:
        sys.path.insert(0, src)
    import odoo
    from odoo.service import db as db_service

    odoo.tools.config.parse_config(
        [
            "-c",
            str(ROOT / "odoo.conf"),
            f"--addons-path={ROOT / 'odoo_addons'}",
            f"--data-dir={ROOT / '.local' / 'odoo-data'}",
            "--log-level=warn",
        ]
    )
    if not db_service.exp_db_exist(database):
        sys.path.insert(0, str(ROOT / "tools"))
        import stack

        stack.ensure_pg_role(stack.read_conf())
        db_service._create_empty_database(database)
        odoo.tools.config["init"] = {"sicantik_documents": 1}
        odoo.tools.config["without_demo"] = "all"
    registry = odoo.modules.registry.Registry.new(database, update_module=True)
    return odoo, registry


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--size-kb", type=int, default=200)
    parser.add_argument("--database", default="sicantik_dev_docs_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="sicantik-bench-docs-"))
    server = s3_work = None
    if not os.environ.get("SICANTIK_S3_ENDPOINT"):
        server, s3_work = start_s3()
        os.environ.update(server.env())
    s3_env = {k: v for k, v in os.environ.items() if k.startswith("SICANTIK_S3_")}
    tree = work / "uploads"
    first = 10000 + uuid.uuid4().int % 80000
    try:
        numbers, total_bytes = write_tree(tree, args.files, args.size_kb, first)
        os.environ["SICANTIK_UPLOAD_ROOT"] = str(tree)
        # every version is encrypted at rest: the bench measures that path
        if not os.environ.get("SICANTIK_DOC_KEY"):
            os.environ["SICANTIK_DOC_KEY"] = base64.b64encode(os.urandom(32)).decode()
            os.environ["SICANTIK_DOC_KEY_ID"] = "bench"
        mb = total_bytes / 1024 / 1024
        print(f"{args.files} files, {mb:.1f} MB in {tree}", flush=True)

        workers = int(os.environ.get("SICANTIK_DOC_UPLOAD_WORKERS", "4"))
        raw_seconds = baseline(tree, s3_env)
        print(f"baseline (minio put_object loop): {raw_seconds:.2f} s", flush=True)
        par_seconds = baseline(tree, s3_env, workers)
        print(f"baseline ({workers} threads): {par_seconds:.2f} s", flush=True)
        peak_before_odoo = peak_mb()

        odoo, registry = odoo_env(args.database)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            ptype = env["sicantik.permit.type"].create(
                {"sicantik_id": 900000 + first, "name": "Izin Bench"}
            )
            env["sicantik.permit"].create(
                [
                    {
                        "sicantik_id": 1_000_000 * 10 + first * 10000 + i,
                        "name": number,
                        "permit_type_id": ptype.id,
                    }
                    for i, number in enumerate(numbers)
                ]
            )
            env["ir.config_parameter"].set_param("sicantik_documents.import_cursor", "")
            cr.commit()
            importer = env["sicantik.document.import"]

            def cycle():
                totals, start = {}, time.perf_counter()
                while True:
                    result = importer._import_batch()
                    cr.commit()  # as the scheduler does after each call
                    for key, value in result.items():
                        totals[key] = totals.get(key, 0) + value
                    if not result["remaining"]:
                        return totals, time.perf_counter() - start

            imported, import_seconds = cycle()
            rescan, rescan_seconds = cycle()
        figures = {
            "files": args.files,
            "megabytes": round(mb, 1),
            "baseline_files_per_s": round(args.files / raw_seconds, 1),
            "baseline_mb_per_s": round(mb / raw_seconds, 1),
            "import_files_per_s": round(args.files / import_seconds, 1),
            "import_mb_per_s": round(mb / import_seconds, 1),
            "import_vs_baseline": round(raw_seconds / import_seconds, 2),
            "upload_workers": workers,
            "baseline_parallel_files_per_s": round(args.files / par_seconds, 1),
            "baseline_parallel_mb_per_s": round(mb / par_seconds, 1),
            "import_vs_baseline_parallel": round(par_seconds / import_seconds, 2),
            "rescan_files_per_s": round(args.files / rescan_seconds, 1),
            "imported": imported.get("imported", 0),
            "pending": imported.get("pending", 0),
            "quarantined": imported.get("quarantined", 0),
            "rescan_unchanged": rescan.get("unchanged", 0),
            "peak_rss_mb_before_odoo": peak_before_odoo,
            "peak_rss_mb": peak_mb(),
        }
        print(
            f"import:   {figures['import_files_per_s']} files/s, "
            f"{figures['import_mb_per_s']} MB/s "
            f"({figures['import_vs_baseline']:.0%} of the baseline's "
            f"{figures['baseline_files_per_s']} files/s, "
            f"{figures['baseline_mb_per_s']} MB/s)"
        )
        print(
            f"          {figures['import_vs_baseline_parallel']:.0%} of the "
            f"{workers}-thread baseline's "
            f"{figures['baseline_parallel_files_per_s']} files/s, "
            f"{figures['baseline_parallel_mb_per_s']} MB/s"
        )
        print(f"rescan:   {figures['rescan_files_per_s']} files/s (no upload)")
        print(f"peak RSS: {figures['peak_rss_mb']} MB (whole process, Odoo included)")
        print(json.dumps(figures), flush=True)
        ok = figures["imported"] == args.files and not figures["quarantined"]
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if server:
            server.stop()
            shutil.rmtree(s3_work, ignore_errors=True)
        if not args.keep:
            try:
                from odoo.service import db as db_service
                from odoo.sql_db import close_all

                close_all()
                db_service.exp_drop(args.database)
            except Exception as exc:  # noqa: BLE001 - report, never mask result
                print(f"could not drop {args.database}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
