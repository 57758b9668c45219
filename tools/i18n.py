#!/usr/bin/env python3
"""Keep every addon's ``i18n/id.po`` complete.

Officers and officials work in Bahasa Indonesia, so an English string that slips
into a view is a defect.  ``update`` exports the current terms of an addon from a
database where it is installed (Odoo's own exporter, so field labels, selections,
views, menus and ``_()`` calls are all found), keeps every existing translation,
and lists what is still untranslated; ``missing`` only lists.  The Odoo test
``sicantik_base.tests.test_i18n`` fails while any term lacks a translation.

Usage (from the repository root, with Odoo on ``$ODOO_SRC``)::

    .venv/bin/python tools/i18n.py update  -d DB sicantik_sync
    .venv/bin/python tools/i18n.py missing -d DB sicantik_sync
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stack  # noqa: E402


def export(db, module):
    conf = stack.read_conf()
    out = Path(tempfile.mkdtemp()) / f"{module}.po"
    argv = stack.odoo_argv(
        conf,
        "-d",
        db,
        f"--i18n-export={out}",
        f"--modules={module}",
        "--language=id_ID",
        "--stop-after-init",
        f"--http-port={stack.free_port()}",
        "--log-level=warn",
    )
    subprocess.run(argv, env=stack.odoo_env(), cwd=stack.ROOT, check=True)
    return polib.pofile(str(out))


def merge(fresh, current_path):
    old = {}
    if current_path.exists():
        for entry in polib.pofile(str(current_path)):
            if entry.msgstr:
                old[(entry.msgctxt, entry.msgid)] = entry.msgstr
    for entry in fresh:
        if not entry.msgstr and (entry.msgctxt, entry.msgid) in old:
            entry.msgstr = old[(entry.msgctxt, entry.msgid)]
    return fresh


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["update", "missing"])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("modules", nargs="+")
    args = parser.parse_args(argv)
    missing_total = 0
    for module in args.modules:
        target = stack.ADDONS / module / "i18n" / "id.po"
        po = merge(export(args.database, module), target)
        missing = [e for e in po if not e.msgstr and not e.obsolete]
        missing_total += len(missing)
        if args.command == "update":
            target.parent.mkdir(exist_ok=True)
            po.metadata["Language"] = "id"
            po.save(str(target))
        for entry in missing:
            print(f"{module}: untranslated: {entry.msgid!r}")
        print(f"{module}: {len(po)} terms, {len(missing)} untranslated")
    return 1 if missing_total else 0


if __name__ == "__main__":
    sys.exit(main())
