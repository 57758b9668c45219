"""Helpers for the sicantik_audit tests, reusable by other addons' tests."""

import contextlib
import json
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


def _audit_domain(action=None, record=None, res_model=None, res_id=None):
    domain = []
    if action is not None:
        many = isinstance(action, list | tuple | set | frozenset)
        domain.append(
            ("action", "in" if many else "=", list(action) if many else action)
        )
    if record is not None:
        res_model = record._name
        if len(record) == 1:
            res_id = record.id
    if res_model is not None:
        domain.append(("res_model", "=", res_model))
    if res_id is not None:
        domain.append(("res_id", "=", res_id))
    return domain


def audit_events(env, action=None, record=None, res_model=None, res_id=None):
    """Every event of the trail (in this transaction) matching the filters.

    ``action`` is a name or a collection of names; ``record`` (one record)
    stands for ``res_model`` and ``res_id``.  Oldest first.
    """
    return (
        env["sicantik.audit.event"]
        .sudo()
        .search(_audit_domain(action, record, res_model, res_id), order="id")
    )


class AuditTrap:
    """The events appended to the trail while the trap was set.

    In the spirit of queue_job's ``trap_jobs``: a test states what its action
    must have audited, and only events of that action count (the fixtures'
    own events, logged before, are not seen).  Events are written with raw
    SQL in the test's transaction, so they are read back from it, HTTP
    requests of an ``HttpCase`` included.
    """

    def __init__(self, env):
        self.env = env
        env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM sicantik_audit_event")
        self._after = env.cr.fetchone()[0]

    def events(self, action=None, record=None, res_model=None, res_id=None):
        """Trapped events matching the filters (see :func:`audit_events`)."""
        domain = [("id", ">", self._after)]
        domain += _audit_domain(action, record, res_model, res_id)
        return self.env["sicantik.audit.event"].sudo().search(domain, order="id")

    def _describe(self):
        return [
            (e.action, e.res_model, e.res_id or None, e.summary) for e in self.events()
        ]

    def assert_logged(
        self,
        action,
        record=None,
        res_model=None,
        res_id=None,
        count=None,
        min_count=1,
        details=None,
    ):
        """Assert ``action`` was logged (``count`` times exactly, when given,
        else at least ``min_count`` times); return the matching events.

        ``details`` is a dict every matching event's details must contain
        (key by key, as stored: masked, JSON values).
        """
        events = self.events(action, record, res_model, res_id)
        what = f"{action!r} on {record or res_model or 'any record'}"
        if count is not None:
            if len(events) != count:
                raise AssertionError(
                    f"expected {count} audit event(s) {what}, got {len(events)}; "
                    f"trapped: {self._describe()}"
                )
        elif len(events) < min_count:
            raise AssertionError(
                f"expected at least {min_count} audit event(s) {what}, got "
                f"{len(events)}; trapped: {self._describe()}"
            )
        for key, value in (details or {}).items():
            for event in events:
                stored = json.loads(event.details or "{}")
                if stored.get(key) != value:
                    raise AssertionError(
                        f"audit event {event.id} ({event.action}): details[{key!r}]"
                        f" is {stored.get(key)!r}, expected {value!r}"
                    )
        return events

    def assert_not_logged(self, action=None, record=None, res_model=None, res_id=None):
        """Assert nothing matching was logged (nothing at all without filters)."""
        events = self.events(action, record, res_model, res_id)
        if events:
            raise AssertionError(
                f"expected no audit event {action or ''} on "
                f"{record or res_model or 'any record'}, got: {self._describe()}"
            )


@contextlib.contextmanager
def trap_audit(env):
    """``with trap_audit(self.env) as trap: ...; trap.assert_logged(...)``.

    Assertions may be made inside the block or after it: the trap keeps
    seeing events logged later in the same transaction.
    """
    yield AuditTrap(env)
