"""``tools/stack.py`` is a thin command line over the ``sicantik_stack`` package.

What callers rely on: ``import stack`` (backup, i18n, benches, tests) sees every
public name of the package, and the file still runs on its own from a folder
outside the repository, as the container's backup job runs it.
"""

import ast
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools"
MODULES = ("base", "odoo", "services", "databases", "cli")


def defined_names(path):
    """Public names a module defines at its top level (not those it imports)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return {name for name in names if not name.startswith("_")}


def test_stack_reexports_every_public_name_of_the_package():
    sys.path.insert(0, str(TOOLS))
    try:
        stack = importlib.import_module("stack")
        package = importlib.import_module("sicantik_stack")
    finally:
        sys.path.remove(str(TOOLS))
    every = set()
    for name in MODULES:
        module = importlib.import_module(f"sicantik_stack.{name}")
        public = defined_names(TOOLS / "sicantik_stack" / f"{name}.py")
        assert public, name
        for key in public:
            assert getattr(stack, key) is getattr(module, key), key
        every |= public
    assert every == set(package.__all__)


def test_cli_and_import_work_from_a_copy_outside_the_repository(tmp_path):
    """The backup job's layout: /opt/sicantik/tools/{stack.py,backup.py,...}."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("stack.py", "backup.py"):
        shutil.copy(TOOLS / name, tools / name)
    shutil.copytree(
        TOOLS / "sicantik_stack",
        tools / "sicantik_stack",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    conf = tmp_path / "odoo.conf"
    conf.write_text("[options]\nsicantik_s3_bucket = copied-bucket\n")
    # The harness's own SICANTIK_* settings would win over the copied conf.
    env = dict(
        {k: v for k, v in os.environ.items() if not k.startswith("SICANTIK_")},
        SICANTIK_ODOO_CONF=str(conf),
        ODOO_SRC=str(tmp_path / "odoo-src"),
        # as the image's entrypoint sets it: the addons are not beside tools/
        SICANTIK_ADDONS_PATH=str(ROOT / "odoo_addons"),
        PYTHONPATH="",
    )

    def python(cwd, *args):
        proc = subprocess.run(
            [sys.executable, *args],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    out = python(tmp_path, str(tools / "stack.py"), "odoo-src")
    assert out.strip() == str(tmp_path / "odoo-src")
    probe = (
        "import backup, stack; "
        "print(stack.ROOT); "
        "print(stack.setting(stack.read_conf(), 'sicantik_s3_bucket'))"
    )
    out = python(tools, "-c", probe)
    assert out.split() == [str(tmp_path), "copied-bucket"]
