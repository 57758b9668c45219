"""Make the repository root importable (``import sandbox.sicantik``).

pytest puts this test directory, not the repository root, on ``sys.path`` when
there is no package ``__init__`` chain; the sandbox is a plain in-tree package.
"""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
