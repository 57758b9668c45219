"""``python -m sandbox.whatsapp --port 8021``: the WhatsApp gateway double.

``--port 0`` picks a free port; the URL is printed on stdout and, with
``--ready-file``, written there for a parent process (see ``runner.py``).
"""

import argparse
import os
import sys
from pathlib import Path

from werkzeug.serving import make_server

from .app import DEFAULT_TOKEN, create_app


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sandbox.whatsapp")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8021)
    parser.add_argument(
        "--token", default=os.environ.get("WHATSAPP_SANDBOX_TOKEN", DEFAULT_TOKEN)
    )
    parser.add_argument("--ready-file")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, create_app(args.token), threaded=True)
    url = f"http://{args.host}:{server.server_port}"
    print(url, flush=True)
    if args.ready_file:
        Path(args.ready_file).write_text(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
