"""Command line: ``python -m sandbox.sicantik <generate|mutate|...> ...``.

Each command prints one line of JSON on stdout (the summary), so scripts and the
Makefile can parse it; errors go to stderr with exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys

import pymysql

from . import db, generator, mutator, readonly

DEFAULT_URL = "mysql+pymysql://root@127.0.0.1:3306/sicantik_dev"


def _add_url(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--url",
        default=DEFAULT_URL,
        help="mysql+pymysql://user:pw@host:port/DBNAME (default: %(default)s)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.sicantik",
        description="Deterministic stand-in for a SICANTIK office's MySQL database.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="create and fill a sandbox database")
    _add_url(g)
    g.add_argument("--permits", type=int, default=1000, help="applications (1000)")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument(
        "--dirty",
        action="store_true",
        help="inject real-world defects (recorded in zz_sim_defect)",
    )
    g.add_argument(
        "--reset",
        action="store_true",
        help="drop and recreate the database if it exists",
    )
    g.add_argument(
        "--upload-root",
        metavar="DIR",
        help="write permit PDFs under DIR (both layouts); none without it",
    )
    g.add_argument(
        "--pdf-limit",
        type=int,
        metavar="K",
        help="write at most K PDFs (evenly spread)",
    )
    g.add_argument(
        "--pdf-pad-kb",
        type=int,
        default=0,
        metavar="KB",
        help="pad each PDF to about KB KiB with incompressible bytes",
    )
    g.add_argument(
        "--today",
        type=generator.parse_day,
        metavar="YYYY-MM-DD",
        help=f"reference day (default {generator.DEFAULT_TODAY}, fixed "
        "for determinism)",
    )
    g.add_argument(
        "--no-local-infile",
        action="store_true",
        help="load with INSERT batches instead of LOAD DATA LOCAL",
    )

    m = sub.add_parser("mutate", help="simulate one office day on a database")
    _add_url(m)
    m.add_argument("--seed", type=int, default=1)
    m.add_argument("--new", type=int, default=5, help="new applications (5)")
    m.add_argument("--steps", type=int, default=20, help="workflow steps (20)")
    m.add_argument("--issue", type=int, default=3, help="SKs to issue (3)")
    m.add_argument(
        "--edits", type=int, default=5, help="applicant/company edits in place (5)"
    )
    m.add_argument("--upload-root", metavar="DIR", help="write PDFs of issued SKs")
    m.add_argument(
        "--now",
        type=mutator.parse_now,
        metavar="'YYYY-MM-DD HH:MM:SS'",
        help="end of the simulated day (default: 16:00 on the next "
        "working day after the newest activity)",
    )

    r = sub.add_parser(
        "create-readonly-user", help="create a SELECT-only account for one database"
    )
    r.add_argument("--admin-url", default="mysql+pymysql://root@127.0.0.1:3306/")
    r.add_argument("--database", required=True)
    r.add_argument("--user", required=True)
    r.add_argument("--password", required=True)

    d = sub.add_parser("drop", help="drop the database named in --url")
    _add_url(d)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "generate":
            out = generator.generate(
                args.url,
                args.permits,
                args.seed,
                dirty=args.dirty,
                reset=args.reset,
                upload_root=args.upload_root,
                pdf_limit=args.pdf_limit,
                pdf_pad_kb=args.pdf_pad_kb,
                today=args.today,
                use_local_infile=not args.no_local_infile,
            )
        elif args.command == "mutate":
            out = mutator.mutate(
                args.url,
                args.seed,
                new=args.new,
                steps=args.steps,
                issue=args.issue,
                edits=args.edits,
                upload_root=args.upload_root,
                now=args.now,
            )
        elif args.command == "create-readonly-user":
            grants = readonly.create_readonly_user(
                args.admin_url, args.database, args.user, args.password
            )
            out = {"user": args.user, "database": args.database, "grants": grants}
        else:
            params = db.parse_url(args.url)
            db.drop_database(params)
            out = {"dropped": params.database}
    except (OSError, ValueError, RuntimeError, pymysql.err.MySQLError) as exc:
        # One clean line for scripts instead of a traceback.
        print(f"error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(out, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
