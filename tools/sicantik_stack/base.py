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


def base_lib(module):
    """A module of sicantik_base's plain-Python ``lib`` (``settings``, ``s3``).

    Loaded from its folder as the package ``sicantik_base_lib`` (as the pytest
    suites do), so tools share the addons' one settings parser and S3 factory
    without importing Odoo.  In the image the addons live in
    ``SICANTIK_ADDONS_PATH`` rather than beside this file.
    """
    import importlib
    import importlib.util

    if "sicantik_base_lib" not in sys.modules:
        folders = [ADDONS] + [
            Path(p) for p in os.environ.get("SICANTIK_ADDONS_PATH", "").split(",") if p
        ]
        lib = next(
            (
                f / "sicantik_base" / "lib"
                for f in folders
                if (f / "sicantik_base").is_dir()
            ),
            None,
        )
        if lib is None:
            die("sicantik_base not found (set SICANTIK_ADDONS_PATH)")
        spec = importlib.util.spec_from_file_location(
            "sicantik_base_lib",
            lib / "__init__.py",
            submodule_search_locations=[str(lib)],
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules["sicantik_base_lib"] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"sicantik_base_lib.{module}")


def settings_of_conf(conf):
    """The addons' ``Settings`` over this process's environment and ``conf``
    (the ``[options]`` of odoo.conf): environment first, as in Odoo."""
    return base_lib("settings").Settings(environ=os.environ, conf=conf)


def setting(conf, key, default=None):
    """Same precedence as sicantik_base.lib.settings: env, then odoo.conf.

    ``sicantik_*`` keys are read by sicantik_base's reader; Odoo's own keys
    (``http_port``) by the same rule: ``HTTP_PORT``, then odoo.conf.
    """
    if key.startswith("sicantik_"):
        return settings_of_conf(conf).get(key, default)
    return os.environ.get(key.upper()) or conf.get(key, default)


def setting_flag(conf, key):
    """A yes/no setting, parsed by sicantik_base's one boolean parser."""
    return settings_of_conf(conf).bool(key, False)


def s3_client(settings, **transport):
    """An S3 client from sicantik_base's one factory, for ``settings``
    (a ``Settings``)."""
    return base_lib("s3").client_from_settings(settings, **transport)


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
