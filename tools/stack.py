#!/usr/bin/env python3
"""The local stack of SICANTIK Companion: the command line (see ``sicantik_stack``).

``make run``/``make test``, ``tools/docker_test.py`` and the container's backup
job run this file; ``tools/backup.py``, ``tools/i18n.py``, benches and tests
``import stack``.  Everything lives in the ``sicantik_stack`` package next to
this file and is re-exported here.
"""

import sys
from pathlib import Path

# Run as a script, loaded by path (tests) or imported: find the package here.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from sicantik_stack import *  # noqa: E402,F403  pylint: disable=wildcard-import,unused-wildcard-import
from sicantik_stack import __all__  # noqa: E402,F401
from sicantik_stack.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
