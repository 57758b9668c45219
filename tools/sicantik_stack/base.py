"""Paths, odoo.conf settings, ports and child processes.

What every other part of the stack uses; it imports none of them.
"""

import base64
import configparser
import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADDONS = ROOT / "odoo_addons"
# The container's backup job runs tools/stack.py outside the repository, against the
# configuration the image's entrypoint rendered: SICANTIK_ODOO_CONF points there.
CONF = Path(os.environ.get("SICANTIK_ODOO_CONF") or ROOT / "odoo.conf")
LOCAL = ROOT / ".local"


def log(msg):
    print(f"[stack] {msg}", flush=True)


def die(msg, code=2):
    print(msg, file=sys.stderr, flush=True)
    sys.exit(code)


def read_conf(path=None):
    """The ``[options]`` of ``path`` (default :data:`CONF`) as a dict."""
    parser = configparser.ConfigParser(inline_comment_prefixes=(";",))
    parser.read(path or CONF)
    return dict(parser["options"])


def setting(conf, key, default=None):
    """Same precedence as sicantik_base.lib.settings: env, then odoo.conf."""
    env_value = os.environ.get(key.upper())
    if env_value:
        return env_value
    return conf.get(key, default)


def setting_flag(conf, key):
    """A yes/no setting (``True``, ``1``, ``yes``, ``on``), read as :func:`setting`."""
    return str(setting(conf, key, "False")).strip().lower() in (
        "1",
        "true",
        "yes",
        "on",
    )


def local_secret(name, size):
    """A random secret of ``size`` bytes (base64) for ``make run``, made once.

    Kept owner-only in ``.local/secrets/<name>``: the local stack's data stays
    between runs, and so must the keys that opened and signed it.
    """
    folder = LOCAL / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / name
    if not path.is_file():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(base64.b64encode(os.urandom(size)).decode())
    return path.read_text().strip()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(host, port):
    with contextlib.suppress(OSError), socket.create_connection((host, port), 0.5):
        return True
    return False


class Proc:
    """A child process with a log file, stopped politely then firmly."""

    def __init__(self, name, argv, logfile, env=None, cwd=ROOT):
        self.name = name
        self.logfile = Path(logfile)
        self.logfile.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.logfile, "ab")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            argv,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )

    def alive(self):
        return self.popen.poll() is None

    def stop(self, timeout=15):
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        self._fh.close()

    def tail(self, lines=30):
        with contextlib.suppress(OSError):
            return "\n".join(
                self.logfile.read_text(errors="replace").splitlines()[-lines:]
            )
        return ""


def venv_bin(name):
    return str(Path(sys.executable).parent / name)
