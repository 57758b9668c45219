"""Stored permit counters and the indexes of the officer's lists, in SQL.

Why counters: the dashboard tiles count over every permit each time an
officer opens the dashboard; at a province's size (a million permits) even
indexed counts cost tens of milliseconds each, twice per tile (the office
total and the officer's own count).  The sync writes permits with set-based
SQL and the SLA update with one ``UPDATE`` (ORM computes never fire), so the
counters are kept by statement-level triggers on ``sicantik_permit``: every
path (sync upsert, re-check marking rows missing, SLA update, ORM writes in
tests) keeps them exact in the same transaction, and a statement costs one
aggregate over the rows it changed (transition tables), not a call per row.

One row per ``(kind, unit, day)``: ``pending`` (in process, present in
SICANTIK), ``overdue``, ``due_soon`` and ``valid_until`` (issued, present,
counted per expiry day so that "expiring within N days" is a sum over at most
N days whatever "today" is).  ``unit_id`` 0 stands for "no unit".

Why the indexes: the tiles an officer limited to units counts under record
rules, the chart of issued permits, the permit list's default order and its
text searches (``ilike`` on registration/SK numbers, applicant and company
names: trigram indexes when ``pg_trgm`` can be created, else none).
"""

import logging

_logger = logging.getLogger(__name__)

TABLE = "sicantik_officer_permit_count"

#: (kind, day, condition) over a permit row ``r``: what each counter counts.
KINDS = [
    (
        "pending",
        "DATE '1900-01-01'",
        "r.decision = 'pending' AND r.sicantik_missing IS NOT TRUE",
    ),
    ("overdue", "DATE '1900-01-01'", "r.is_overdue IS TRUE"),
    ("due_soon", "DATE '1900-01-01'", "r.sla_state = 'due_soon'"),
    (
        "valid_until",
        "r.valid_until",
        "r.is_issued IS TRUE AND r.sicantik_missing IS NOT TRUE "
        "AND r.valid_until IS NOT NULL",
    ),
]


def _keys(rows, sign):
    """SELECT (kind, unit_id, day, n) for each counted fact of ``rows``."""
    values = ", ".join(f"('{kind}', {day}, {cond})" for kind, day, cond in KINDS)
    return (
        f"SELECT k.kind, COALESCE(r.unit_id, 0) AS unit_id, k.day, {sign} AS n "
        f"FROM {rows} r CROSS JOIN LATERAL (VALUES {values}) "
        "AS k(kind, day, hit) WHERE k.hit"
    )


def _apply(select):
    """Add the grouped deltas of ``select`` to the counters (sorted: two
    writers lock the counter rows in the same order)."""
    return (
        f"INSERT INTO {TABLE} AS c (kind, unit_id, day, n) "
        f"SELECT kind, unit_id, day, sum(n) FROM ({select}) d "
        "GROUP BY kind, unit_id, day HAVING sum(n) <> 0 "
        "ORDER BY kind, unit_id, day "
        "ON CONFLICT (kind, unit_id, day) DO UPDATE SET n = c.n + EXCLUDED.n"
    )


SCHEMA_SQL = [
    f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    kind varchar NOT NULL,
    unit_id integer NOT NULL,
    day date NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (kind, unit_id, day)
)""",
    f"""
CREATE OR REPLACE FUNCTION sicantik_officer_permit_count_trg()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_apply(_keys("new_rows", 1))};
    ELSIF TG_OP = 'UPDATE' THEN
        {_apply(_keys("old_rows", -1) + " UNION ALL " + _keys("new_rows", 1))};
    ELSIF TG_OP = 'DELETE' THEN
        {_apply(_keys("old_rows", -1))};
    ELSE
        DELETE FROM {TABLE};
    END IF;
    RETURN NULL;
END
$$""",
    "DROP TRIGGER IF EXISTS sicantik_officer_count_ins ON sicantik_permit",
    "DROP TRIGGER IF EXISTS sicantik_officer_count_upd ON sicantik_permit",
    "DROP TRIGGER IF EXISTS sicantik_officer_count_del ON sicantik_permit",
    "DROP TRIGGER IF EXISTS sicantik_officer_count_trunc ON sicantik_permit",
    "CREATE TRIGGER sicantik_officer_count_ins AFTER INSERT ON sicantik_permit "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION sicantik_officer_permit_count_trg()",
    "CREATE TRIGGER sicantik_officer_count_upd AFTER UPDATE ON sicantik_permit "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION sicantik_officer_permit_count_trg()",
    "CREATE TRIGGER sicantik_officer_count_del AFTER DELETE ON sicantik_permit "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION sicantik_officer_permit_count_trg()",
    "CREATE TRIGGER sicantik_officer_count_trunc AFTER TRUNCATE ON sicantik_permit "
    "FOR EACH STATEMENT EXECUTE FUNCTION sicantik_officer_permit_count_trg()",
]

#: Counted from scratch (install, and whenever they are doubted).
REFRESH_SQL = [
    f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE",
    f"DELETE FROM {TABLE}",
    _apply(_keys("sicantik_permit", 1)),
]

#: The officer's list and dashboard at a province's size: (name, table, DDL).
BTREE_INDEXES = [
    # the permit list's default order (date_received desc, sicantik_id desc)
    (
        "sicantik_permit_officer_order_idx",
        "sicantik_permit",
        "(date_received DESC, sicantik_id DESC)",
    ),
    # the chart of issued permits per month (index-only under unit rules)
    (
        "sicantik_permit_officer_issued_idx",
        "sicantik_permit",
        "(sk_date) INCLUDE (sicantik_missing, unit_id) WHERE is_issued",
    ),
    # tiles counted under an officer's unit rule
    (
        "sicantik_permit_officer_pending_idx",
        "sicantik_permit",
        "(unit_id) INCLUDE (sicantik_missing) WHERE decision = 'pending'",
    ),
    (
        "sicantik_permit_officer_overdue_idx",
        "sicantik_permit",
        "(unit_id) WHERE is_overdue",
    ),
    (
        "sicantik_permit_officer_expiry_idx",
        "sicantik_permit",
        "(valid_until) INCLUDE (sicantik_missing, unit_id) WHERE is_issued",
    ),
]
TRIGRAM_INDEXES = [
    ("sicantik_permit_officer_name_trgm", "sicantik_permit", "name"),
    ("sicantik_permit_officer_sk_trgm", "sicantik_permit", "sk_number"),
    ("sicantik_applicant_officer_name_trgm", "sicantik_applicant", "name"),
    ("sicantik_company_officer_name_trgm", "sicantik_company", "name"),
]


def index_names():
    return [name for name, _t, _d in BTREE_INDEXES + TRIGRAM_INDEXES]


def ensure_schema(cr):
    """Counter table, trigger function and triggers (idempotent)."""
    for statement in SCHEMA_SQL:
        cr.execute(statement)


def refresh(cr):
    """Count every permit again; return the number of counter rows."""
    for statement in REFRESH_SQL:
        cr.execute(statement)
    cr.execute(f"SELECT count(*) FROM {TABLE}")  # pylint: disable=sql-injection
    return cr.fetchone()[0]


def has_trigram(cr):
    """``pg_trgm`` available in this database, created here when allowed."""
    cr.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    if cr.fetchone():
        return True
    try:
        with cr.savepoint(flush=False):
            cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        return True
    except Exception:  # noqa: BLE001 - no right to create it: plain indexes only
        _logger.warning(
            "pg_trgm not available: text searches on permits stay unindexed "
            "(ask the DBA for CREATE EXTENSION pg_trgm)"
        )
        return False


def ensure_indexes(cr, unaccent=None):
    """Create the missing indexes; ``unaccent`` wraps a column expression the
    way the ORM's ``ilike`` does (the registry's, when unaccent is on)."""
    wrap = unaccent or (lambda expression: expression)
    cr.execute(
        "SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [index_names()]
    )
    existing = {row[0] for row in cr.fetchall()}
    for name, table, definition in BTREE_INDEXES:
        if name not in existing:
            # names and definitions are constants of this module
            cr.execute(f"CREATE INDEX {name} ON {table} {definition}")  # pylint: disable=sql-injection
    todo = [row for row in TRIGRAM_INDEXES if row[0] not in existing]
    if todo and has_trigram(cr):
        for name, table, column in todo:
            expression = wrap(f'"{column}"')
            cr.execute(  # pylint: disable=sql-injection
                f"CREATE INDEX {name} ON {table} USING gin "
                f"(({expression}) gin_trgm_ops)"
            )


def drop_indexes(cr):
    """Drop this module's indexes (benchmark baseline, diagnostics)."""
    for name in index_names():
        cr.execute(f"DROP INDEX IF EXISTS {name}")  # pylint: disable=sql-injection


def drop_schema(cr):
    """Uninstall: the triggers, their function, the counters and indexes."""
    for suffix in ("ins", "upd", "del", "trunc"):
        cr.execute(  # pylint: disable=sql-injection
            f"DROP TRIGGER IF EXISTS sicantik_officer_count_{suffix} ON sicantik_permit"
        )
    cr.execute("DROP FUNCTION IF EXISTS sicantik_officer_permit_count_trg()")
    cr.execute(f"DROP TABLE IF EXISTS {TABLE}")  # pylint: disable=sql-injection
    drop_indexes(cr)
