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
   that is not on a short allowlist of read forms (SELECT without INTO or
   locking clauses, SHOW, ``SET SESSION TRANSACTION READ ONLY``).

The URL itself comes from the deployment only (never from a caller), and even
then only the driver options of :data:`URL_OPTIONS` are accepted:
``local_infile`` is forced off at the driver, because a MySQL server may ask a
client that allows it for any local file (a rogue or compromised server
could otherwise read the Odoo host's files).  :func:`account_problems` names
what a SICANTIK account may do beyond reading (write, FILE, CREATE, roles);
``Source(url, check_account=True)`` refuses such an account.

Engines are cached per URL so the pool survives from one cron call to the
next; ``pool_pre_ping`` replaces connections the server dropped while idle.
Reads are keyset-paginated by the caller (``WHERE id > :after ORDER BY id
LIMIT :n``): the memory used by a batch is bounded by its size, whatever the
size of the table, and a batch never holds a long-running cursor open.

This module imports no Odoo code: it is unit-tested against a real MariaDB.
"""

import datetime
import re
import threading

import pymysql
from pymysql.constants import FIELD_TYPE
from pymysql.converters import conversions as _PYMYSQL_CONVERSIONS
from pymysql.converters import convert_datetime as _pymysql_datetime
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

#: The statements we ever send.  Anything else is refused before it is sent.
_ALLOWED = re.compile(
    r"^\(*\s*SELECT\b|^SHOW\b|^SET\s+SESSION\s+TRANSACTION\s+READ\s+ONLY$",
    re.IGNORECASE,
)
#: Clauses that turn a read into a write, a file access or a lock.
_FORBIDDEN = re.compile(
    r"\bINTO\b|\bFOR\s+(?:UPDATE|SHARE)\b|\bLOCK\s+IN\s+SHARE\s+MODE\b"
    r"|\bLOAD_FILE\b|\bPROCEDURE\b|:=",
    re.IGNORECASE,
)
#: Comments (``/* */`` incl. MySQL's executable ``/*! */``, ``#``, ``-- ``)
#: could hide a keyword from the checks above: none of our reads has one.
_COMMENT = re.compile(r"/\*|\*/|#|--(?:\s|$)")
#: Runs of integers (``IN (1,2,3,…)`` id lists): blanked before the checks,
#: since digits and commas hide no keyword and a batch's lists are long.
_NUMBER_RUNS = re.compile(r"\d+(?:\s*,\s*\d+)+")
_STRINGS = re.compile(r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.)*\"|`(?:[^`]|``)*`")

#: Driver options a configured URL may carry (``?charset=utf8mb4&...``).
#: Everything else (``local_infile``, ``client_flag``, ``init_command``,
#: ``read_default_file``, ``unix_socket``, ...) is refused.
URL_OPTIONS = frozenset(
    {
        "charset",
        "connect_timeout",
        "read_timeout",
        "write_timeout",
        "ssl_ca",
        "ssl_capath",
        "ssl_cert",
        "ssl_key",
        "ssl_cipher",
        "ssl_check_hostname",
    }
)
#: The only driver SICANTIK is read with.
DRIVER = "mysql+pymysql"
#: Privileges a SICANTIK account may hold (everything else is reported).
READ_PRIVILEGES = frozenset({"SELECT", "SHOW VIEW", "USAGE"})

_engines = {}
_engines_lock = threading.Lock()


class SourceError(Exception):
    """SICANTIK could not be read (unreachable, dropped, refused, timed out).

    Carries no URL and no password: the message is shown to administrators and
    stored on the sync run.
    """


class WriteRefused(SourceError):
    """A statement other than a read was about to be sent to SICANTIK."""


class ConfigError(SourceError):
    """The configured SICANTIK URL uses a driver or an option we refuse."""


class AccountRefused(SourceError):
    """The SICANTIK account may do more than read (see :func:`account_problems`)."""


def guard_statement(statement):
    """Raise :class:`WriteRefused` unless ``statement`` is an allowed read.

    An allowlist, not a blocklist: string literals and quoted identifiers are
    blanked first (so ``'x; DELETE'`` or ``'/*'`` in a value is harmless),
    then the statement must be one SELECT (without INTO, FOR UPDATE/SHARE,
    LOCK IN SHARE MODE, LOAD_FILE, PROCEDURE or ``:=``), one SHOW, or our own
    ``SET SESSION TRANSACTION READ ONLY``; comments, a second statement and
    an unterminated quote are refused outright.
    """
    text = str(statement)
    bare = _STRINGS.sub(" 0 ", text)
    bare = _NUMBER_RUNS.sub("0", bare).strip()
    bare = bare[:-1].rstrip() if bare.endswith(";") else bare
    refused = (
        ";" in bare
        or any(quote in bare for quote in "'\"`")
        or _COMMENT.search(bare)
        or not _ALLOWED.search(bare)
        or _FORBIDDEN.search(bare)
    )
    if refused:
        raise WriteRefused(
            "Refused to send a non-read statement to SICANTIK: " + text.strip()[:80]
        )


def _fast_datetime(value):
    """DATETIME/TIMESTAMP text → ``datetime``, as PyMySQL does, in C.

    PyMySQL parses every datetime with a regular expression; the sync reads
    millions.  ``fromisoformat`` gives the same value for what MySQL sends;
    anything else (zero dates, odd text) goes to PyMySQL's own parser, which
    returns such values as text, as before.
    """
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("ascii", "replace")
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        return _pymysql_datetime(value)


#: Driver errors of a broken link (the connection must not be reused).
_LINK_ERRORS = (pymysql.err.OperationalError, pymysql.err.InterfaceError, OSError)

#: PyMySQL's conversions with the fast datetime parser.
CONVERSIONS = dict(_PYMYSQL_CONVERSIONS)
CONVERSIONS[FIELD_TYPE.DATETIME] = _fast_datetime
CONVERSIONS[FIELD_TYPE.TIMESTAMP] = _fast_datetime


def check_url(url):
    """Return ``url`` as a SQLAlchemy URL, or raise :class:`ConfigError`.

    Only :data:`DRIVER` and the options of :data:`URL_OPTIONS` are accepted;
    the message names the refused options, never the URL (it holds the
    password).
    """
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - any parse error is a configuration error
        raise ConfigError("The SICANTIK MySQL URL cannot be parsed") from None
    if parsed.drivername != DRIVER:
        raise ConfigError(
            f"The SICANTIK MySQL URL must use the {DRIVER} driver, "
            f"not {parsed.drivername!r}"
        )
    if not parsed.host:
        raise ConfigError("The SICANTIK MySQL URL must name a host")
    refused = sorted(set(parsed.query) - URL_OPTIONS)
    if refused:
        raise ConfigError(
            "Refused driver option(s) in the SICANTIK MySQL URL: "
            + ", ".join(refused)
            + " (allowed: "
            + ", ".join(sorted(URL_OPTIONS))
            + ")"
        )
    return parsed


def account_problems(grant_lines):
    """What the grants of a SICANTIK account allow beyond reading.

    ``grant_lines`` are the rows of ``SHOW GRANTS FOR CURRENT_USER()``.
    Returns a sorted list of findings (empty: read-only): any privilege other
    than SELECT / SHOW VIEW / USAGE (writes, FILE, CREATE, ...), the GRANT
    or ADMIN option, proxy grants, and any role (``GRANT role TO user``,
    ``SET DEFAULT ROLE``), whose privileges SHOW GRANTS does not list.
    """
    problems = set()
    for line in grant_lines:
        text = " ".join(_STRINGS.sub("x", str(line)).upper().split())
        if text.startswith("SET DEFAULT ROLE"):
            problems.add("role")
            continue
        if not text.startswith("GRANT "):
            continue
        if "WITH GRANT OPTION" in text or "WITH ADMIN OPTION" in text:
            problems.add("GRANT OPTION")
        head, sep, _rest = text[len("GRANT ") :].partition(" ON ")
        if not sep:
            problems.add("role")  # GRANT role TO user
            continue
        for privilege in _split_privileges(head):
            if privilege not in READ_PRIVILEGES:
                problems.add(privilege)
    return sorted(problems)


def _split_privileges(text):
    """``SELECT (a, b), INSERT`` -> ``["SELECT", "INSERT"]``."""
    privileges, depth, current = [], 0, ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            privileges.append(current)
            current = ""
        elif depth == 0 and char != ")":
            current += char
    privileges.append(current)
    return [" ".join(p.split()) for p in privileges if p.strip()]


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


def get_engine(url, pool_size=2, connect_timeout=5, read_timeout=120, tls_ca=None):
    """Return the pooled, guarded engine for ``url`` (created once per process).

    The URL is checked first (:func:`check_url`); options it sets win over
    the defaults here, except ``local_infile``, which is always off.  With
    ``tls_ca`` (a CA file) the link is encrypted, the server's certificate
    must chain to that CA and name the URL's host, and a server that answers
    in clear is refused (see :func:`_tls_args`).
    """
    key = (url, pool_size, connect_timeout, read_timeout, tls_ca)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            parsed = check_url(url)
            defaults = {
                "connect_timeout": connect_timeout,
                "read_timeout": read_timeout,
                "write_timeout": read_timeout,
                "charset": "utf8mb4",
            }
            connect_args = {k: v for k, v in defaults.items() if k not in parsed.query}
            connect_args["local_infile"] = False
            connect_args["conv"] = CONVERSIONS
            connect_args.update(_tls_args(tls_ca))
            engine = create_engine(
                parsed,
                pool_size=pool_size,
                max_overflow=2,
                pool_pre_ping=True,
                pool_recycle=1800,
                pool_timeout=10,
                connect_args=connect_args,
            )
            _install_guards(engine)
            if tls_ca:
                event.listen(engine, "connect", _require_tls)
            _engines[key] = engine
        return engine


def _tls_args(tls_ca):
    """Driver arguments of an encrypted, verified link (none without a CA).

    PyMySQL only checks the host name when it is given a CA, and silently
    talks in clear to a server that offers no TLS: the CA is therefore
    required here, and :func:`_require_tls` refuses a clear session.
    """
    if not tls_ca:
        return {}
    try:
        with open(tls_ca, "rb"):
            pass
    except OSError as exc:
        raise ConfigError(
            f"The SICANTIK MySQL CA file cannot be read: {exc.strerror}"
        ) from None
    return {"ssl": {"ca": tls_ca, "check_hostname": True}}


def _require_tls(dbapi_conn, record):
    with dbapi_conn.cursor() as cur:
        cur.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        row = cur.fetchone()
    if not row or not row[1]:
        dbapi_conn.close()
        raise SourceError(
            "SICANTIK's MySQL answered without TLS although TLS is required"
        )


def dispose_all():
    """Close every pooled connection (tests, and after the process forks)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


class Source:
    """One read transaction on SICANTIK: a consistent snapshot for one batch.

    Use as a context manager; every error of the driver or the pool becomes a
    :class:`SourceError` whose text never contains the connection URL.  With
    ``check_account`` (what the Odoo side always asks for), an account that
    may do more than read is refused with :class:`AccountRefused` before
    anything is read.
    """

    def __init__(self, url, check_account=False, **engine_kw):
        self.engine = get_engine(url, **engine_kw)
        self.check_account = check_account
        self.conn = None

    def __enter__(self):
        try:
            self.conn = self.engine.connect()
        except SQLAlchemyError as exc:
            raise SourceError(_describe(exc)) from None
        if self.check_account:
            problems = self.account_problems()
            if problems:
                self.__exit__(None, None, None)
                raise AccountRefused(
                    "The SICANTIK account may do more than read ("
                    + ", ".join(problems)
                    + "): configure a SELECT-only account"
                )
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
        """Run one read and return its rows as plain dicts.

        On the driver's own cursor, after :func:`guard_statement`: a batch
        reads hundreds of thousands of rows, and SQLAlchemy's result rows
        cost more than the reading itself.  The connection is still the
        pooled, read-only one (checked out by ``__enter__``).
        """
        guard_statement(sql)
        try:
            raw = self.conn.connection.dbapi_connection
            with raw.cursor() as cur:
                cur.execute(sql, params or None)
                keys = [d[0] for d in cur.description or ()]
                return [dict(zip(keys, row, strict=True)) for row in cur.fetchall()]
        except SQLAlchemyError as exc:
            raise SourceError(_describe(exc)) from None
        except (
            pymysql.err.OperationalError,
            pymysql.err.InterfaceError,
            OSError,
        ) as exc:
            # a broken link: the pool must not hand this connection out again
            self.conn.invalidate()
            raise SourceError(_describe(exc)) from None
        except pymysql.err.Error as exc:
            raise SourceError(_describe(exc)) from None

    def scalar(self, sql, params=None):
        rows = self.all(sql, params)
        if not rows:
            return None
        return next(iter(rows[0].values()))

    def account_problems(self):
        """:func:`account_problems` of the account this source reads with."""
        rows = self.all("SHOW GRANTS FOR CURRENT_USER()")
        return account_problems(next(iter(row.values())) for row in rows)

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
        if "SSL" in str(args[1:]):
            return f"TLS to SICANTIK refused: {args[1] if len(args) > 1 else ''}"[:300]
        return f"MySQL error {args[0]}: {args[1] if len(args) > 1 else ''}"[:300]
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "Connection to SICANTIK lost"
    return f"{type(orig).__name__}: {orig}"[:300]
