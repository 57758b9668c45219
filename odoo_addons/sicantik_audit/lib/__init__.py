"""Plain-Python core of sicantik_audit: hash chain, masking, S3 anchor store.

Nothing in this package imports Odoo, so the verifier and the archive checks run
from pytest, from a command-line tool or from a third party's audit script.
"""
