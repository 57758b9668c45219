"""Helpers for the sicantik_audit tests, reusable by other addons' tests."""

import contextlib
import os
import uuid
from unittest.mock import patch

from odoo.tests import TransactionCase
from odoo.tools import SQL

from odoo.addons.sicantik_base.lib import settings


def s3_configured():
    return bool(settings.get("s3_endpoint") and settings.get("s3_bucket"))


@contextlib.contextmanager
def isolated_s3_prefix():
    """Point anchors/archives at a fresh S3 prefix for the duration.

    Tests roll their database transaction back but S3 objects stay; a private
    prefix keeps one test's anchors from being compared with another test's
    (rolled back, then re-numbered) events.
    """
    prefix = f"sicantik-audit-test/{uuid.uuid4().hex}"
    with patch.dict(os.environ, {"SICANTIK_AUDIT_S3_PREFIX": prefix}):
        yield prefix


def use_isolated_s3(case):
    """Skip ``case`` without S3, else give it a private prefix until cleanup.

    Returns the audit store so the S3 tests of this addon start from one
    place instead of repeating the skip/prefix/cleanup dance.
    """
    if not s3_configured():
        case.skipTest("S3 is not configured (SICANTIK_S3_* settings)")
    prefix = isolated_s3_prefix()
    prefix.__enter__()
    case.addCleanup(prefix.__exit__, None, None, None)
    return case.env["sicantik.audit.event"]._audit_store()


class AuditS3Case(TransactionCase):
    """Audit tests against the real S3 server, each in a private prefix."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["sicantik.audit.event"]

    def setUp(self):
        super().setUp()
        self.store = use_isolated_s3(self)


def last_committed_events(registry, action, limit=1):
    """Events as committed (seen from a fresh cursor, not the test's snapshot)."""
    with registry.cursor() as cr:
        cr.execute(
            "SELECT sequence, actor_type, actor_login, actor_key, ip, summary,"
            "       details, res_model, res_id"
            "  FROM sicantik_audit_event WHERE action = %s"
            " ORDER BY id DESC LIMIT %s",
            [action, limit],
        )
        names = [d[0] for d in cr.description]
        return [dict(zip(names, row, strict=True)) for row in cr.fetchall()]


@contextlib.contextmanager
def triggers_disabled(cr, table="sicantik_audit_event"):
    """What a table owner can do: switch the guard off (to simulate tampering)."""
    cr.execute(SQL("ALTER TABLE %s DISABLE TRIGGER USER", SQL.identifier(table)))
    try:
        yield
    finally:
        cr.execute(SQL("ALTER TABLE %s ENABLE TRIGGER USER", SQL.identifier(table)))
