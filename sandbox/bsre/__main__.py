"""Command line: ``python -m sandbox.bsre --host 127.0.0.1 --port 8020``.

Serves the sandbox with Werkzeug's threaded server (one thread per
connection), which keeps the sandbox free of any framework dependency; the
signatures themselves are computed in ``--sign-processes`` worker processes
(default: one per CPU) so parallel sign calls use every core. ``--port 0``
picks a free port; the actual URL is printed on stdout and, with
``--ready-file``, written to a file so a parent process (see ``runner.py``)
can wait for it without parsing logs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import DEFAULT_API_PASSWORD, DEFAULT_API_USER, Faults, create_app


def _kv(text: str) -> tuple[str, int]:
    """Parse ``ENDPOINT=N`` (``*`` for every endpoint)."""
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected ENDPOINT=N, got {text!r}")
    try:
        return name.strip(), int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number in {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.bsre",
        description="BSrE Esign Client API sandbox (v1 + v2, real PAdES).",
    )
    parser.add_argument("--host", default=env("BSRE_SANDBOX_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(env("BSRE_SANDBOX_PORT", "8020"))
    )
    parser.add_argument(
        "--state-dir",
        default=env("BSRE_SANDBOX_STATE_DIR")
        or str(Path(tempfile.gettempdir()) / "bsre-sandbox-state"),
        help="where the test CA and signer keys live (reused across runs)",
    )
    parser.add_argument(
        "--api-user", default=env("BSRE_SANDBOX_USER", DEFAULT_API_USER)
    )
    parser.add_argument(
        "--api-password", default=env("BSRE_SANDBOX_PASSWORD", DEFAULT_API_PASSWORD)
    )
    parser.add_argument(
        "--users", default=env("BSRE_SANDBOX_USERS"), help="seed JSON file"
    )
    parser.add_argument("--ready-file", help="write {url, port, pid} here when up")
    parser.add_argument(
        "--quiet", action="store_true", help="no per-request access log"
    )
    parser.add_argument(
        "--sign-processes",
        type=int,
        default=int(env("BSRE_SANDBOX_SIGN_PROCESSES", str(os.cpu_count() or 1))),
        help="sign in this many worker processes (default: CPU count); "
        "0 signs in the request threads, on one core",
    )
    knobs = parser.add_argument_group("fault knobs (also at POST /_sandbox/faults)")
    knobs.add_argument("--latency-ms", type=int, default=0, help="global latency")
    knobs.add_argument(
        "--latency", type=_kv, action="append", default=[], metavar="ENDPOINT=MS"
    )
    knobs.add_argument(
        "--fail-next", type=_kv, action="append", default=[], metavar="ENDPOINT=N"
    )
    knobs.add_argument(
        "--fail-with-file-next",
        type=_kv,
        action="append",
        default=[],
        metavar="ENDPOINT=N",
    )
    knobs.add_argument(
        "--drop-next", type=_kv, action="append", default=[], metavar="ENDPOINT=N"
    )
    knobs.add_argument(
        "--wrong-passphrase-status", type=int, choices=(400, 500), default=400
    )
    return parser


def faults_from_args(args: argparse.Namespace) -> Faults:
    faults = Faults()
    faults.update(
        {
            "latency_ms": {"*": args.latency_ms, **dict(args.latency)},
            "fail_next": dict(args.fail_next),
            "fail_with_file_next": dict(args.fail_with_file_next),
            "drop_next": dict(args.drop_next),
            "wrong_passphrase_status": args.wrong_passphrase_status,
        }
    )
    return faults


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # noqa: D102 - silence access log
        pass


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        faults = faults_from_args(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    app = create_app(
        args.state_dir,
        api_user=args.api_user,
        api_password=args.api_password,
        users_path=args.users,
        faults=faults,
        sign_processes=max(0, args.sign_processes),
    )
    server = make_server(
        args.host,
        args.port,
        app,
        threaded=True,
        request_handler=_QuietHandler if args.quiet else None,
    )
    server.daemon_threads = True
    url = f"http://{args.host}:{server.server_port}"
    if args.ready_file:
        tmp = Path(args.ready_file + ".tmp")
        tmp.write_text(
            json.dumps({"url": url, "port": server.server_port, "pid": os.getpid()})
        )
        tmp.replace(args.ready_file)  # atomic: the reader never sees half a file
    print(f"BSrE sandbox listening on {url} (state dir {args.state_dir})", flush=True)

    def _stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
        if app.signing_pool is not None:
            app.signing_pool.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
