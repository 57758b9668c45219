"""MariaDB/MySQL plumbing for the SICANTIK sandbox: URLs, schema, bulk loading.

Bulk loading is the performance-critical part (100,000 permits are ~4 million
rows).  It streams each table as one ``LOAD DATA LOCAL INFILE`` in its own
transaction; a background thread loads table *n* while the generator serialises
table *n + 1*, so both CPU cores work.  Servers that refuse ``LOCAL INFILE`` (MySQL
8 defaults to ``local_infile=OFF``) fall back to batched multi-row ``INSERT`` via
``executemany``; either way there is no per-row round trip.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pymysql
from sqlalchemy.engine import make_url

SCHEMA_PATH = Path(__file__).with_name("schema.sql")

# A legacy office runs MySQL 5.x-era modes: zero dates must be storable, but we
# keep STRICT_TRANS_TABLES so our own INSERT mistakes fail loudly.
SESSION_SQL_MODE = "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION"

_FIELD_SEP = "\x1f"
_LINE_SEP = "\x1e"
# Server/client refusals of LOCAL INFILE: fall back to INSERT batches.
_NO_LOCAL_INFILE = (1148, 2068, 3948, 1227)
_IDENT_RE = re.compile(r"^[A-Za-z0-9_$-]{1,64}$")


@dataclass(frozen=True)
class ConnParams:
    """Where to connect; ``database`` may be None for server-level work."""

    host: str
    port: int
    user: str
    password: str
    database: str | None


def parse_url(url: str) -> ConnParams:
    """Read an SQLAlchemy-style ``mysql+pymysql://user:pw@host:port/db`` URL."""
    u = make_url(url)
    return ConnParams(
        host=u.host or "127.0.0.1",
        port=int(u.port or 3306),
        user=u.username or "root",
        password=u.password or "",
        database=u.database or None,
    )


def check_identifier(name: str, what: str = "name") -> str:
    """Reject anything but plain identifiers before it is spliced into SQL."""
    if not name or not _IDENT_RE.match(name):
        raise ValueError(f"invalid {what} {name!r}: use letters, digits, _ $ -")
    return name


def connect(
    params: ConnParams, database: str | None = None, local_infile: bool = True
) -> pymysql.connections.Connection:
    """Open a PyMySQL connection in the sandbox's session mode (utf8mb4)."""
    conn = pymysql.connect(
        host=params.host,
        port=params.port,
        user=params.user,
        password=params.password,
        database=database,
        charset="utf8mb4",
        autocommit=False,
        local_infile=local_infile,
    )
    with conn.cursor() as cur:
        cur.execute("SET SESSION sql_mode = %s", (SESSION_SQL_MODE,))
        cur.execute("SET SESSION time_zone = '+07:00'")
    return conn


def database_exists(conn, name: str) -> bool:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (name,)
        )
        return cur.fetchone() is not None


def table_count(conn, name: str) -> int:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
            (name,),
        )
        return cur.fetchone()[0]


def create_database(params: ConnParams, reset: bool = False) -> None:
    """Create the target database; with ``reset`` drop it first.

    Without ``reset`` an existing, non-empty database is an error: silently
    appending a second office into it would break every id assumption.
    """
    name = check_identifier(params.database or "", "database name")
    conn = connect(params)
    try:
        with conn.cursor() as cur:
            if reset:
                cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
            elif database_exists(conn, name) and table_count(conn, name):
                raise RuntimeError(
                    f"database {name!r} already has tables; pass --reset to recreate it"
                )
            cur.execute(
                f"CREATE DATABASE IF NOT EXISTS `{name}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
            )
        conn.commit()
    finally:
        conn.close()


def drop_database(params: ConnParams, name: str | None = None) -> None:
    """Drop a (throw-away) database if it exists."""
    name = check_identifier(name or params.database or "", "database name")
    conn = connect(params)
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.commit()
    finally:
        conn.close()


def split_sql(text: str) -> list[str]:
    """Split a SQL script into statements, dropping ``--`` and ``#`` comments.

    Quote-aware so that a semicolon or dash inside a string literal survives; the
    sandbox scripts have no procedures, so no DELIMITER handling is needed.
    """
    statements: list[str] = []
    buf: list[str] = []
    quote = ""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if quote:
            buf.append(ch)
            if ch == "\\" and i + 1 < n:
                buf.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
            buf.append(ch)
        elif (
            ch == "#"
            or (ch == "-" and text.startswith("-- ", i))
            or (ch == "-" and text.startswith("--\n", i))
        ):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif ch == ";":
            stmt = "".join(buf).strip()
            if stmt:
                statements.append(stmt)
            buf = []
        else:
            buf.append(ch)
        i += 1
    tail = "".join(buf).strip()
    if tail:
        statements.append(tail)
    return statements


_KEY_RE = re.compile(r",\s*KEY\s+(\w+)\s*\(([^)]*)\)", re.IGNORECASE)
_TABLE_RE = re.compile(r"CREATE TABLE\s+`?(\w+)`?", re.IGNORECASE)


def load_schema(
    conn, path: Path = SCHEMA_PATH, defer_keys: bool = False
) -> dict[str, list[str]]:
    """Run ``schema.sql`` in the connection's current database.

    With ``defer_keys`` the secondary ``KEY`` clauses are left out and returned
    per table as ``ADD KEY ...`` clauses: building an index once after a bulk load
    (sorted build) is several times cheaper than maintaining it row by row.
    """
    deferred: dict[str, list[str]] = {}
    with conn.cursor() as cur:
        for stmt in split_sql(path.read_text(encoding="utf-8")):
            table = _TABLE_RE.match(stmt)
            if defer_keys and table:
                keys = [
                    f"ADD KEY `{m.group(1)}` ({m.group(2)})"
                    for m in _KEY_RE.finditer(stmt)
                ]
                if keys:
                    deferred[table.group(1)] = keys
                    stmt = _KEY_RE.sub("", stmt)
            cur.execute(stmt)
    conn.commit()
    return deferred


def add_keys(conn, table: str, clauses: list[str]) -> None:
    """Add deferred secondary keys to ``table`` in one ALTER."""
    with conn.cursor() as cur:
        cur.execute(f"ALTER TABLE `{table}` " + ", ".join(clauses))
    conn.commit()


# ------------------------------------------------------------------ bulk load
def serialise(rows) -> str:
    """Rows -> LOAD DATA text (unit/record separators, ``\\N`` for NULL).

    The ASCII separators 0x1F/0x1E never occur in the data, so only a backslash
    needs escaping; the cheap ``in`` test keeps the common case a plain join.
    """
    fs = _FIELD_SEP
    parts = [
        fs.join(
            [
                "\\N"
                if v is None
                else (v if "\\" not in v else v.replace("\\", "\\\\"))
                if v.__class__ is str
                else str(v)
                for v in row
            ]
        )
        for row in rows
    ]
    if not parts:
        return ""
    return _LINE_SEP.join(parts) + _LINE_SEP


class BulkLoader:
    """Loads tables on background connections, one transaction per table.

    Two workers by default: while the generator's thread serialises, the server
    can ingest two tables at once (a LOAD is single-threaded server-side).  Each
    table is loaded and then indexed by the same task, so order per table holds.
    """

    def __init__(
        self,
        params: ConnParams,
        use_local_infile: bool = True,
        workdir: str | None = None,
        workers: int = 2,
    ):
        self.params = params
        self.use_local_infile = use_local_infile
        self._tmp = tempfile.TemporaryDirectory(prefix="sicantik_load_", dir=workdir)
        self._pool = ThreadPoolExecutor(max_workers=workers)
        self._futures: list[Future] = []
        self._local = threading.local()
        self._conns: list = []
        self._lock = threading.Lock()
        self.rows_loaded = 0
        self.serialise_seconds = 0.0
        # table -> (load seconds, index seconds), filled by the worker threads
        self.timings: dict[str, tuple[float, float]] = {}

    # Runs in a worker thread only: one connection per worker.
    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(
                self.params, self.params.database, local_infile=self.use_local_infile
            )
            with conn.cursor() as cur:
                cur.execute("SET SESSION unique_checks = 0")
                cur.execute("SET SESSION foreign_key_checks = 0")
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def _load_file(
        self, table: str, columns: tuple[str, ...], path: str, rows: list
    ) -> int:
        conn = self._connection()
        cols = ", ".join(f"`{c}`" for c in columns)
        try:
            with conn.cursor() as cur:
                if self.use_local_infile:
                    try:
                        loaded = cur.execute(
                            f"LOAD DATA LOCAL INFILE %s INTO TABLE `{table}` "
                            "CHARACTER SET utf8mb4 FIELDS TERMINATED BY 0x1f "
                            "ESCAPED BY '\\\\' LINES TERMINATED BY 0x1e "
                            f"({cols})",
                            (path,),
                        )
                    except pymysql.err.MySQLError as exc:
                        if not (exc.args and exc.args[0] in _NO_LOCAL_INFILE):
                            raise
                        conn.rollback()
                        self.use_local_infile = False
                    else:
                        # LOCAL turns data errors into warnings: treat them as
                        # errors, a silently truncated value is a generator bug.
                        cur.execute("SHOW COUNT(*) WARNINGS")
                        warnings = cur.fetchone()[0]
                        if warnings:
                            cur.execute("SHOW WARNINGS LIMIT 5")
                            raise RuntimeError(
                                f"LOAD DATA {table}: {warnings} warnings, e.g. "
                                f"{cur.fetchall()}"
                            )
                        conn.commit()
                        return loaded
                marks = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO `{table}` ({cols}) VALUES ({marks})"
                batch = 5000
                for i in range(0, len(rows), batch):
                    cur.executemany(sql, rows[i : i + batch])
                conn.commit()
                return len(rows)
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass

    def submit(
        self,
        table: str,
        columns: tuple[str, ...],
        rows: list,
        keys: list[str] | None = None,
    ) -> None:
        """Serialise ``rows`` now (caller's thread) and queue the load.

        ``keys`` are deferred ``ADD KEY`` clauses applied right after the load.
        The rows stay referenced until loaded so the INSERT fallback can use them.
        """
        path = None
        if rows:
            t0 = time.perf_counter()
            path = os.path.join(self._tmp.name, f"{table}.{len(self._futures)}.tsv")
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(serialise(rows))
            self.rows_loaded += len(rows)
            self.serialise_seconds += time.perf_counter() - t0
        self._futures.append(
            self._pool.submit(self._load_and_index, table, columns, path, rows, keys)
        )

    def _load_and_index(self, table, columns, path, rows, keys) -> None:
        t0 = time.perf_counter()
        if path:
            self._load_file(table, columns, path, rows)
        t1 = time.perf_counter()
        if keys:
            add_keys(self._connection(), table, keys)
        self.timings[table] = (round(t1 - t0, 3), round(time.perf_counter() - t1, 3))

    def close(self) -> None:
        """Wait for every queued load, re-raising the first failure."""
        try:
            for fut in self._futures:
                fut.result()
        finally:
            self._pool.shutdown(wait=True)
            for conn in self._conns:
                conn.close()
            self._tmp.cleanup()
