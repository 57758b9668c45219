"""The one way tests and the harness reach the sandbox MariaDB.

Why one module: pytest suites, Odoo test cases, benchmarks and
``tools/stack.py`` all create databases and accounts on the sandbox server and
damage its tables on purpose, through its administrator account.  Each used to
read ``SICANTIK_MYSQL_ADMIN_URL`` and open PyMySQL connections its own way, with
different defaults and options (one forgot the port).  The companion itself
never uses this account: it reads SICANTIK with a SELECT-only one.

``SICANTIK_MYSQL_ADMIN_URL`` (an SQLAlchemy-style ``mysql+pymysql://`` URL,
default :data:`DEFAULT_ADMIN_URL`) names the server; ``tools/stack.py test``
exports the one it started.
"""

import os

import pymysql
from sqlalchemy.engine import make_url

#: A local MariaDB whose root account needs no password (a developer's box).
DEFAULT_ADMIN_URL = "mysql+pymysql://root@127.0.0.1:3306/"


def admin_url():
    """The administrator URL of the sandbox server (no database)."""
    return os.environ.get("SICANTIK_MYSQL_ADMIN_URL") or DEFAULT_ADMIN_URL


def db_url(database, user=None, password=None, base=None):
    """``base`` (default :func:`admin_url`) on ``database``, as ``user`` if given."""
    url = make_url(base or admin_url()).set(database=database)
    if user:
        url = url.set(username=user, password=password)
    return url.render_as_string(hide_password=False)


def connect(url, database=None, autocommit=True, **options):
    """A raw PyMySQL connection for ``url`` (any account); ``options`` added.

    ``database`` overrides the URL's.
    """
    parsed = make_url(url)
    return pymysql.connect(
        host=parsed.host or "127.0.0.1",
        port=int(parsed.port or 3306),
        user=parsed.username or "root",
        password=parsed.password or "",
        database=database or parsed.database or None,
        autocommit=autocommit,
        **options,
    )


def admin_connect(database=None, **options):
    """A raw PyMySQL connection as the administrator (autocommit)."""
    return connect(admin_url(), database=database, **options)


def admin_sql(database, sql, params=None):
    """Run one statement as the administrator; return its rows."""
    conn = admin_connect(database)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()
