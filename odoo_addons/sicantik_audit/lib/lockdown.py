"""Take the audit tables out of the hands of Odoo's own database role.

Why: the append-only trigger binds every role *except* the table owner (and
superusers), who can ``ALTER TABLE … DISABLE TRIGGER``, rewrite rows and switch
it back on.  Odoo creates its tables, so by default Odoo's role is that owner —
and so is anything Odoo runs: a server action, a shell, a compromised worker.

``lockdown`` (run once by the administrator with a superuser connection,
``odoo-bin sicantik_audit lockdown -d DB``) therefore

- makes a ``NOLOGIN`` role (``sicantik_audit_owner``) that Odoo's role is not a
  member of the owner of the event and checkpoint tables (their id sequences
  follow) and of the trigger functions;
- grants Odoo's role only what the audit code uses: ``SELECT, INSERT, UPDATE,
  DELETE`` on events (UPDATE and DELETE stay behind the trigger: sealing and
  the retention purge), ``SELECT, INSERT`` on checkpoints;
- adds an event trigger (owned by the superuser, its function in a schema Odoo
  cannot write) refusing ``DROP`` of those tables, their triggers and trigger
  functions: the owner of schema ``public`` (the database owner, i.e. usually
  Odoo's role) may drop any object in it without owning it.

It refuses when Odoo's role is a superuser: nothing binds a superuser, and the
compose stack must not run Odoo as one.  ``unlock`` gives everything back (for a
module upgrade that changes the audit tables, or an uninstall).

Nothing here imports Odoo: the functions take a psycopg2 connection.
"""

OWNER_ROLE = "sicantik_audit_owner"
GUARD_SCHEMA = "sicantik_audit_guard"
EVENT_TRIGGER = "sicantik_audit_no_drop"
TABLES = {
    "sicantik_audit_event": "SELECT, INSERT, UPDATE, DELETE",
    "sicantik_audit_checkpoint": "SELECT, INSERT",
    "sicantik_audit_meta": "SELECT",
}
FUNCTIONS = ("sicantik_audit_event_guard()", "sicantik_audit_append_only()")


class LockdownError(Exception):
    """The database cannot be locked down as asked (reason in the message)."""


def _ident(name):
    """Quote an SQL identifier (role names come from the configuration)."""
    return '"' + str(name).replace('"', '""') + '"'


def _role(cur, name):
    cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [name])
    row = cur.fetchone()
    return None if row is None else {"superuser": row[0]}


def is_locked(cur, owner_role=OWNER_ROLE):
    """Whether the event table belongs to ``owner_role``."""
    cur.execute(
        "SELECT pg_get_userbyid(relowner) FROM pg_class"
        " WHERE oid = to_regclass('sicantik_audit_event')"
    )
    row = cur.fetchone()
    return bool(row and row[0] == owner_role)


def lockdown(conn, app_role, owner_role=OWNER_ROLE):
    """Lock the audit tables of ``conn``'s database away from ``app_role``.

    ``conn`` must be a superuser connection to the Odoo database.  Idempotent;
    commits on success, rolls back and raises :class:`LockdownError` on a
    refusal.  Returns a report dict.
    """
    with conn.cursor() as cur:
        try:
            cur.execute("SET LOCAL lock_timeout = '10s'")
            app = _role(cur, app_role)
            if app is None:
                raise LockdownError(f"Odoo's database role {app_role!r} does not exist")
            if app["superuser"]:
                raise LockdownError(
                    f"Odoo's database role {app_role!r} is a superuser: no trigger "
                    "binds it. Run Odoo as an ordinary role first."
                )
            if app_role == owner_role:
                raise LockdownError("Odoo's role cannot be the audit owner role")
            cur.execute("SELECT to_regclass('sicantik_audit_event')")
            if cur.fetchone()[0] is None:
                raise LockdownError("sicantik_audit is not installed in this database")
            if _role(cur, owner_role) is None:
                cur.execute(f"CREATE ROLE {_ident(owner_role)} NOLOGIN")
            cur.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [app_role, owner_role])
            if cur.fetchone()[0]:
                raise LockdownError(
                    f"{app_role!r} is a member of {owner_role!r}: revoke it first"
                )
            for table, privileges in TABLES.items():
                cur.execute("SELECT to_regclass(%s)", [table])
                if cur.fetchone()[0] is None:
                    raise LockdownError(
                        f"{table} is missing: update sicantik_audit first"
                    )
                cur.execute(f"ALTER TABLE {table} OWNER TO {_ident(owner_role)}")
                cur.execute(f"REVOKE ALL ON {table} FROM PUBLIC, {_ident(app_role)}")
                cur.execute(f"GRANT {privileges} ON {table} TO {_ident(app_role)}")
                cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cur.fetchone()[0]
                if sequence:
                    cur.execute(
                        f"GRANT USAGE, SELECT ON SEQUENCE {sequence}"
                        f" TO {_ident(app_role)}"
                    )
            for function in FUNCTIONS:
                cur.execute(f"ALTER FUNCTION {function} OWNER TO {_ident(owner_role)}")
            _install_drop_guard(cur, owner_role)
        except Exception as exc:
            conn.rollback()
            if isinstance(exc, LockdownError):
                raise
            raise LockdownError(str(exc)) from exc
    conn.commit()
    return {"ok": True, "locked": True, "owner": owner_role, "app_role": app_role}


_REFUSE_DROP = """
CREATE OR REPLACE FUNCTION {schema}.refuse_drop() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
    dropped record;
BEGIN
    FOR dropped IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
        IF dropped.object_identity LIKE '%sicantik_audit%' THEN
            RAISE EXCEPTION
                'the SICANTIK audit trail is locked down: DROP of % refused',
                dropped.object_identity
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END LOOP;
END;
$$
"""


def _install_drop_guard(cur, owner_role):
    cur.execute(
        f"CREATE SCHEMA IF NOT EXISTS {GUARD_SCHEMA} AUTHORIZATION {_ident(owner_role)}"
    )
    cur.execute(f"REVOKE ALL ON SCHEMA {GUARD_SCHEMA} FROM PUBLIC")
    cur.execute(_REFUSE_DROP.format(schema=GUARD_SCHEMA))
    cur.execute(f"DROP EVENT TRIGGER IF EXISTS {EVENT_TRIGGER}")
    cur.execute(
        f"CREATE EVENT TRIGGER {EVENT_TRIGGER} ON sql_drop"
        f" EXECUTE FUNCTION {GUARD_SCHEMA}.refuse_drop()"
    )


def unlock(conn, app_role, owner_role=OWNER_ROLE):
    """Give the audit tables back to ``app_role`` (superuser connection).

    For a module upgrade that alters the audit tables, or before uninstalling
    the module; run ``lockdown`` again afterwards.
    """
    with conn.cursor() as cur:
        try:
            cur.execute("SET LOCAL lock_timeout = '10s'")
            cur.execute(f"DROP EVENT TRIGGER IF EXISTS {EVENT_TRIGGER}")
            cur.execute(f"DROP SCHEMA IF EXISTS {GUARD_SCHEMA} CASCADE")
            for table in TABLES:
                cur.execute("SELECT to_regclass(%s)", [table])
                if cur.fetchone()[0] is not None:
                    cur.execute(f"ALTER TABLE {table} OWNER TO {_ident(app_role)}")
            for function in FUNCTIONS:
                cur.execute("SELECT to_regprocedure(%s)", [function])
                if cur.fetchone()[0] is not None:
                    cur.execute(
                        f"ALTER FUNCTION {function} OWNER TO {_ident(app_role)}"
                    )
        except Exception as exc:
            conn.rollback()
            raise LockdownError(str(exc)) from exc
    conn.commit()
    return {"ok": True, "locked": False, "app_role": app_role}
