"""Helpers shared by the pytest suites (importable as ``support``).

Each addon keeps the code that talks to MySQL, S3 or BSrE in a plain-Python
``lib`` package with no Odoo import.  Importing it as ``odoo.addons.<addon>.lib``
would run the addon's ``__init__`` and import its models, so the suites load
the folder directly as a top-level package ``<addon>_lib`` instead.
"""

import contextlib
import importlib
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
ADDONS = REPO_ROOT / "odoo_addons"


def load_module(name, path, package=False):
    """Import ``path`` (a file, or a package folder) as module ``name``, once."""
    if name in sys.modules:
        return sys.modules[name]
    path = Path(path)
    spec = importlib.util.spec_from_file_location(
        name,
        path / "__init__.py" if package else path,
        submodule_search_locations=[str(path)] if package else None,
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_lib(addon):
    """The plain-Python ``lib`` package of ``addon``, as ``<addon>_lib``."""
    return load_module(f"{addon}_lib", ADDONS / addon / "lib", package=True)


#: tools/stack.py, the harness (S3Server, free_port, ...).
STACK = load_module("sicantik_stack_tools", REPO_ROOT / "tools" / "stack.py")


def getter(values):
    """sicantik_base's ``Settings`` over a dict (what the libs receive); it is
    callable as ``get(name, default)`` too."""
    load_lib("sicantik_base")
    settings = importlib.import_module("sicantik_base_lib.settings")
    return settings.Settings.from_mapping(values)


def settings_of(env):
    """``SICANTIK_S3_ENDPOINT=…`` style variables → ``{"s3_endpoint": …}``."""
    return {
        key[len("SICANTIK_") :].lower(): value
        for key, value in env.items()
        if key.startswith("SICANTIK_")
    }


@contextlib.contextmanager
def running_s3_server(bucket):
    """A private, real S3 server in a temporary folder, removed afterwards."""
    work = tempfile.mkdtemp(prefix="sicantik-pytest-s3-")
    server = STACK.S3Server(
        Path(work), STACK.free_port(), "sicantik", "pytest-secret", bucket
    )
    server.start()
    try:
        yield settings_of(server.env())
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
