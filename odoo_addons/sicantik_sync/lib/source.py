"""Read-only access to SICANTIK's MySQL database.

Why three locks on one door: SICANTIK is the office's system of record and we
are a guest in it.  A mistake in our code (or a future contributor's) must not
be able to change a single row there, so the connection is read-only three
independent ways:

1. the deployment gives us a SELECT-only MySQL user (outside our control, but
   documented and tested);
2. every pooled connection is put into ``SET SESSION TRANSACTION READ ONLY``
   each time it is checked out, so even a user with write grants is refused
   by the server (error 1792);
3. :func:`guard_statement` refuses, before anything is sent, every statement
   that is not a plain SELECT / SHOW / session SET.

Engines are cached per URL so the pool survives from one cron call to the
next; ``pool_pre_ping`` replaces connections the server dropped while idle.
Reads are keyset-paginated by the caller (``WHERE id > :after ORDER BY id
LIMIT :n``): the memory used by a batch is bounded by its size, whatever the
size of the table, and a batch never holds a long-running cursor open.

This module imports no Odoo code: it is unit-tested against a real MariaDB.
"""

import re
import threading

from sqlalchemy import create_engine, event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

#: Statements we ever need.  Anything else is refused before it is sent.
_ALLOWED = re.compile(
    r"^\s*(?:SELECT\b|SHOW\b|SET\s+SESSION\b|SET\s+@@SESSION\.|SET\s+NAMES\b"
    r"|SET\s+(?:SQL_MODE|AUTOCOMMIT|TIME_ZONE|CHARACTER_SET_RESULTS)\b|ROLLBACK\b)",
    re.IGNORECASE,
)
#: SELECT forms that write or lock.
_FORBIDDEN = re.compile(
    r"\bINTO\s+(?:OUTFILE|DUMPFILE|@)|\bFOR\s+UPDATE\b|\bLOCK\s+IN\s+SHARE\s+MODE\b"
    r"|\bSET\s+SESSION\s+TRANSACTION\s+READ\s+WRITE\b",
    re.IGNORECASE,
)
_STRINGS = re.compile(r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`")

_engines = {}
_engines_lock = threading.Lock()


class SourceError(Exception):
    """SICANTIK could not be read (unreachable, dropped, refused, timed out).

    Carries no URL and no password: the message is shown to administrators and
    stored on the sync run.
    """


class WriteRefused(SourceError):
    """A statement other than a read was about to be sent to SICANTIK."""


def guard_statement(statement):
    """Raise :class:`WriteRefused` unless ``statement`` is a plain read.

    String literals are blanked before checking so that a value such as
    ``'x; DELETE'`` cannot hide a second statement, and a second statement
    after a semicolon is refused outright.
    """
    text = str(statement)
    bare = _STRINGS.sub("''", text).strip().rstrip(";")
    if ";" in bare or not _ALLOWED.match(bare) or _FORBIDDEN.search(bare):
        raise WriteRefused(
            "Refused to send a non-read statement to SICANTIK: " + bare[:80]
        )


def _install_guards(engine):
    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _before_execute(conn, cursor, statement, parameters, context, executemany):
        if executemany:
            raise WriteRefused("Refused executemany() against SICANTIK")
        guard_statement(statement)
        return statement, parameters

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, proxy):
        # Raw DBAPI cursor: these two statements are known reads/settings.
        with dbapi_conn.cursor() as cur:
            cur.execute("SET SESSION TRANSACTION READ ONLY")


def get_engine(url, pool_size=2, connect_timeout=5, read_timeout=120):
    """Return the pooled, guarded engine for ``url`` (created once per process)."""
    key = (url, pool_size, connect_timeout, read_timeout)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = create_engine(
                url,
                pool_size=pool_size,
                max_overflow=2,
                pool_pre_ping=True,
                pool_recycle=1800,
                pool_timeout=10,
                connect_args={
                    "connect_timeout": connect_timeout,
                    "read_timeout": read_timeout,
                    "write_timeout": read_timeout,
                    "charset": "utf8mb4",
                },
            )
            _install_guards(engine)
            _engines[key] = engine
        return engine


def dispose_all():
    """Close every pooled connection (tests, and after the process forks)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


class Source:
    """One read transaction on SICANTIK: a consistent snapshot for one batch.

    Use as a context manager; every error of the driver or the pool becomes a
    :class:`SourceError` whose text never contains the connection URL.
    """

    def __init__(self, url, **engine_kw):
        self.engine = get_engine(url, **engine_kw)
        self.conn = None

    def __enter__(self):
        try:
            self.conn = self.engine.connect()
        except SQLAlchemyError as exc:
            raise SourceError(_describe(exc)) from None
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if self.conn is not None:
                self.conn.rollback()
                self.conn.close()
        except SQLAlchemyError:
            # The connection is already broken; the pool discards it.
            self.conn.invalidate()
        self.conn = None
        return False

    def all(self, sql, params=None):
        """Run one read and return its rows as plain dicts."""
        try:
            result = self.conn.exec_driver_sql(sql, params or ())
            keys = list(result.keys())
            return [dict(zip(keys, row, strict=True)) for row in result.fetchall()]
        except WriteRefused:
            raise
        except SQLAlchemyError as exc:
            raise SourceError(_describe(exc)) from None

    def scalar(self, sql, params=None):
        rows = self.all(sql, params)
        if not rows:
            return None
        return next(iter(rows[0].values()))

    def connection_id(self):
        """MySQL's id of this session (admins may ``KILL`` it; tests do)."""
        return self.scalar("SELECT CONNECTION_ID() AS cid")

    def execute_unguarded_for_test(self, sql):
        """Send ``sql`` bypassing only our guard (proves layers 1 and 2)."""
        raw = self.conn.connection.dbapi_connection
        try:
            with raw.cursor() as cur:
                cur.execute(sql)
        except Exception as exc:
            raise SourceError(_describe(exc)) from None


def _describe(exc):
    """A short, URL-free description of a driver error."""
    orig = getattr(exc, "orig", None) or exc
    args = getattr(orig, "args", None)
    if args and isinstance(args[0], int):
        return f"MySQL error {args[0]}: {args[1] if len(args) > 1 else ''}"[:300]
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "Connection to SICANTIK lost"
    return f"{type(orig).__name__}: {orig}"[:300]
