"""Create the companion's read-only MySQL account from the shared SQL template.

The companion must never be able to write to an office's database, so the
sandbox gives it an account that holds ``SELECT`` on one schema and nothing else.
The statements live in ``create_readonly_user.sql`` so the Python tool, the shell
script and the docker setup all apply exactly the same grants.
"""

from __future__ import annotations

from pathlib import Path

from . import db

TEMPLATE_PATH = Path(__file__).with_name("create_readonly_user.sql")


def _sql_string(value: str) -> str:
    """Escape for a single-quoted MySQL string literal (default sql_mode)."""
    return value.replace("\\", "\\\\").replace("'", "''")


def render_readonly_sql(database: str, user: str, password: str) -> str:
    """The template with its placeholders filled (identifiers are validated)."""
    db.check_identifier(database, "database name")
    db.check_identifier(user, "user name")
    if "\x00" in password:
        raise ValueError("password must not contain NUL")
    text = TEMPLATE_PATH.read_text(encoding="utf-8")
    return (
        text.replace("${SICANTIK_DB}", database)
        .replace("${SICANTIK_RO_USER}", user)
        .replace("${SICANTIK_RO_PASSWORD}", _sql_string(password))
    )


def create_readonly_user(
    admin_url: str, database: str, user: str, password: str
) -> list[str]:
    """Run the rendered template as the admin in ``admin_url``; returns grants."""
    params = db.parse_url(admin_url)
    conn = db.connect(params)
    try:
        with conn.cursor() as cur:
            for stmt in db.split_sql(render_readonly_sql(database, user, password)):
                cur.execute(stmt)
            conn.commit()
            cur.execute(f"SHOW GRANTS FOR '{user}'@'%'")
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()
