"""Odoo itself: where its source is (fetched when missing), how to start it."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .base import ADDONS, CONF, LOCAL, ROOT, die
from .databases import pg_params

#: Where Odoo's source is looked for when ``ODOO_SRC`` is not set: a checkout
#: inside the project (where ``make run``/``make test`` fetch it), then a
#: machine-wide one.
LOCAL_ODOO_SRC = ROOT / ".odoo" / "18.0"
SYSTEM_ODOO_SRC = Path("/opt/odoo/18.0")
ODOO_GIT_URL = "https://github.com/odoo/odoo.git"
ODOO_BRANCH = "18.0"
ODOO_HELP = """\
Odoo 18 source not found in {src}{why}.

SICANTIK Companion runs on Odoo 18 Community, which is not on PyPI. `make run`
and `make test` fetch it themselves (a shallow clone of branch {branch} from
ODOO_GIT_URL, default {url}); when that is impossible, put it there by hand:

    git clone -b {branch} --depth 1 {url} {src}

or point ODOO_SRC at an existing checkout (`export ODOO_SRC=/path/to/odoo`), or
ODOO_GIT_URL at a mirror of your own, and run the command again.
"""


def _is_odoo(src):
    return (src / "odoo-bin").is_file() and (src / "odoo" / "release.py").is_file()


def odoo_src_candidate():
    """The folder Odoo is (or will be fetched) in: ``ODOO_SRC``, else the first
    existing of the project's and the machine's checkout, else the project's."""
    explicit = os.environ.get("ODOO_SRC")
    if explicit:
        return Path(explicit)
    for src in (LOCAL_ODOO_SRC, SYSTEM_ODOO_SRC):
        if _is_odoo(src):
            return src
    return LOCAL_ODOO_SRC


def odoo_src():
    src = odoo_src_candidate()
    if not _is_odoo(src):
        die(_odoo_help(src))
    return src


def _odoo_help(src, why=""):
    return ODOO_HELP.format(
        src=src,
        why=why,
        branch=os.environ.get("ODOO_BRANCH") or ODOO_BRANCH,
        url=os.environ.get("ODOO_GIT_URL") or ODOO_GIT_URL,
    )


def fetch_odoo(src):
    """Shallow-clone Odoo into ``src``; nothing is left behind on failure.

    The clone goes to a sibling folder that is renamed into place only once it
    is complete, so an interrupted fetch never looks like a checkout.
    """
    url = os.environ.get("ODOO_GIT_URL") or ODOO_GIT_URL
    branch = os.environ.get("ODOO_BRANCH") or ODOO_BRANCH
    src.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{src.name}-", dir=src.parent))
    # stderr: `make` keeps stdout (the path) quiet, the user sees the fetch
    print(
        f"[stack] fetching Odoo {branch} from {url} into {src} (shallow clone)",
        file=sys.stderr,
        flush=True,
    )
    try:
        proc = subprocess.run(
            [
                "git",
                "clone",
                "--quiet",
                "--depth",
                "1",
                "--branch",
                branch,
                url,
                str(partial / "src"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode or not _is_odoo(partial / "src"):
            reason = (proc.stderr or "").strip().splitlines()[-1:] or [
                "the clone has no odoo-bin/odoo/release.py"
            ]
            die(_odoo_help(src, f" (fetching it failed: {reason[0]})"))
        if src.exists() and not any(src.iterdir()):
            src.rmdir()
        (partial / "src").rename(src)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return src


# ------------------------------------------------------------------------- Odoo
def our_addons():
    """Installable sicantik addons, in the order their folders sort."""
    names = []
    for manifest in sorted(ADDONS.glob("*/__manifest__.py")):
        import ast

        data = ast.literal_eval(manifest.read_text())
        if data.get("installable", True):
            names.append(manifest.parent.name)
    return names


def odoo_env(extra=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(odoo_src()), str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    env.update(extra or {})
    return env


def odoo_argv(conf, *args, command=None):
    """odoo-bin with our config; ``command`` (e.g. ``shell``) must come first."""
    params = pg_params(conf)
    return [
        sys.executable,
        str(odoo_src() / "odoo-bin"),
        *([command] if command else []),
        "-c",
        str(CONF),
        f"--addons-path={ADDONS}",
        f"--data-dir={LOCAL / 'odoo-data'}",
        f"--db_host={params['host']}",
        f"--db_port={params['port']}",
        f"--db_user={params['user']}",
        f"--db_password={params['password']}",
        *args,
    ]
