"""SICANTIK sandbox: a deterministic stand-in for an office's legacy MySQL DB.

Python API (all functions take SQLAlchemy-style ``mysql+pymysql://`` URLs):

* :func:`generate` - create and fill a database (optionally dirty, with PDFs);
* :func:`mutate` - apply one simulated office day (new applications, status
  steps, issued SKs, applicant/company edits) and report the touched ids;
* :func:`create_readonly_user` - SELECT-only account for the companion;
* :data:`REFERENCE_QUERY` - the issued permits
  (docs/reference/sicantik.md#issued-permits).

See ``sandbox/sicantik/README.md``.
"""

from .generator import DEFAULT_TODAY, build_dataset, generate
from .mutator import mutate
from .readonly import create_readonly_user, render_readonly_sql
from .reference_query import REFERENCE_QUERY

__all__ = [
    "DEFAULT_TODAY",
    "REFERENCE_QUERY",
    "build_dataset",
    "create_readonly_user",
    "generate",
    "mutate",
    "render_readonly_sql",
]
