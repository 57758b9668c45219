"""sicantik_officer's plain-Python library, loaded without Odoo."""

from support import load_lib

load_lib("sicantik_officer")
