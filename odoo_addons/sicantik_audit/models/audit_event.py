"""The audit event: one append-only, hash-chained row per business event.

How an event enters the chain, and why in two steps
===================================================

Every sealed event stores ``hash = SHA-256(prev_hash + canonical content)``
(see ``lib/chain.py``), so the chain must be extended by one writer at a time:
two workers that both read event 41 as the head and both write event 42 would
fork it.  Doing that *inside* the business transaction would hold one
database-wide lock from the ``log()`` call until the business transaction
commits: every Odoo worker and cron that logs would queue behind the slowest of
them, and the call itself would cost a lock, a head read and a planned
multi-statement query (about 0.35 ms per request on a quiet machine, measured).

So an event is written in two steps:

1. **append** (``log()``, inside the business transaction): one plain
   ``INSERT`` of the event's content with ``sequence``, ``prev_hash`` and
   ``hash`` left empty — the cost of any insert, no lock, no reading.  A
   rolled-back business transaction takes its events with it (nothing is
   claimed that did not happen); a committed one cannot lose them.
2. **seal** (right after the commit, by a post-commit hook of the same
   cursor, and every minute by a cron for whatever a crashed process left):
   ``seal_pending`` takes the chain lock in a short transaction of its own,
   reads the head, gives the pending events, in id order, the next gap-free
   sequence numbers, their ``prev_hash`` and ``hash``, and commits.  One seal
   chains every event committed so far, so under load one seal serves many
   requests.

The sealing transaction runs in READ COMMITTED on purpose: Odoo's REPEATABLE
READ snapshot is taken at the first statement, i.e. *before* waiting for the
lock, and could miss the head another sealer has just committed.  Should a
sealer ever run on a stale snapshot anyway (a caller's own cursor), it cannot
fork the chain: ``sequence`` is UNIQUE and a concurrently sealed row cannot be
updated twice, so it fails and seals nothing.

The database refuses every ``UPDATE`` except that one transition — empty
``sequence``/``prev_hash``/``hash`` to filled, every content column unchanged —
and every ``DELETE``/``TRUNCATE`` but the retention job's (see
``_audit_install_guards``).  So a pending
event is as protected as a sealed one against edits through SQL; what sealing
adds is the evidence that survives an owner who disables the trigger.

The ORM is only used to *read* events: ``create``, ``write`` and ``unlink`` are
refused for everybody, superuser included.  Raw SQL needs no access right, which
is what lets public visitors and crons log without being granted anything.
"""

import contextvars
import functools
import hashlib
import hmac
import logging
import re
import time
from datetime import datetime, timezone

from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.http import request
from odoo.tools import SQL

from ..lib import chain, masking

_logger = logging.getLogger(__name__)

#: The advisory lock key serialising chain seals ("SICANTIK AUDIT" in a bigint).
LOCK_KEY = 0x51CA_A0D1_7C4A_1000
#: Events sealed per transaction: bounds the lock time and the memory.
SEAL_BATCH = 5000
#: How long a post-commit seal waits for another sealer before leaving its
#: events to the next seal (the cron runs every minute).
SEAL_LOCK_TIMEOUT = "2s"
ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
ACTOR_TYPES = [
    ("user", "User"),
    ("cron", "Scheduled action"),
    ("public", "Public visitor"),
    ("system", "System"),
]
_CONTENT_FIELDS = chain.CANONICAL_FIELDS[1:]
_INSERT_SQL = (
    f"INSERT INTO sicantik_audit_event ({', '.join(_CONTENT_FIELDS)})"
    f" VALUES ({', '.join(['%s'] * len(_CONTENT_FIELDS))}) RETURNING id"
)
#: The stored columns as the verifier reads them, event_time as the exact text
#: that is hashed (microseconds included: the ORM would drop them).
ROW_SELECT = (
    "SELECT sequence, to_char(event_time, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'),"
    f" {', '.join(chain.ROW_FIELDS[2:])} FROM sicantik_audit_event"
)
#: The oldest pending events, each row ending with the sealed head's sequence
#: and hash (evaluated once): one round trip after the lock.
_PENDING_SQL = (
    "WITH head AS (SELECT sequence, hash FROM sicantik_audit_event"
    " WHERE sequence IS NOT NULL ORDER BY sequence DESC LIMIT 1)"
    " SELECT id, to_char(event_time, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'),"
    f" {', '.join(_CONTENT_FIELDS[1:])},"
    " (SELECT sequence FROM head), (SELECT hash FROM head)"
    " FROM sicantik_audit_event WHERE sequence IS NULL ORDER BY id LIMIT %s"
)
_SEAL_SQL = """
UPDATE sicantik_audit_event e
   SET sequence = v.seq, prev_hash = v.prev, hash = v.hash
  FROM unnest(%s::int4[], %s::int4[], %s::varchar[], %s::varchar[])
       AS v(id, seq, prev, hash)
 WHERE e.id = v.id AND e.sequence IS NULL
"""
_POSTCOMMIT_FLAG = "sicantik_audit.seal"

#: Who runs outside of a request when it is not Odoo's scheduler: the command
#: line (``cli/sicantik_audit.py``) sets its name here.  A ContextVar, not a
#: context key: an RPC caller chooses the context, not the Python state.
CLI_ACTOR = contextvars.ContextVar("sicantik_audit_cli_actor", default=None)
#: ``(cron id, cron name)`` of the scheduled action this thread is running,
#: set by ``ir.cron._run_job`` (``models/ir_cron.py``) around the job.
CRON_JOB = contextvars.ContextVar("sicantik_audit_cron_job", default=None)

_salt_warned = set()
#: (dbname, uid) -> (expiry, login, name, is_public): reading them through the
#: ORM costs two queries per event after every commit (the cache is per
#: transaction).  A minute of staleness after a rename is acceptable: the user
#: id is the authoritative actor, login and name are for reading.
_identities = {}
IDENTITY_TTL = 60.0


def _connection(cr):
    """The psycopg2 connection under an Odoo cursor (or a test cursor)."""
    return cr._cnx if hasattr(cr, "_cnx") else cr._cursor._cnx


def owns_audit_tables(cr):
    """Whether Odoo's role owns the event table (False once locked down)."""
    cr.execute(
        "SELECT pg_get_userbyid(relowner) = current_user FROM pg_class"
        " WHERE oid = to_regclass('sicantik_audit_event')"
    )
    row = cr.fetchone()
    return bool(row is None or row[0])


_APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION sicantik_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def install_append_only_triggers(cr, table, row_function="sicantik_audit_append_only"):
    """(Re)create the row and TRUNCATE triggers that make ``table`` append-only.

    Why one helper: the event, checkpoint and install-meta tables are guarded
    the same way, so the trigger names and the refusal stay identical.
    ``table`` and ``row_function`` are this addon's constants, never input.
    """
    cr.execute(_APPEND_ONLY_FUNCTION)
    cr.execute(
        SQL(
            """
DROP TRIGGER IF EXISTS %(guard)s ON %(table)s;
CREATE TRIGGER %(guard)s
    BEFORE UPDATE OR DELETE ON %(table)s
    FOR EACH ROW EXECUTE FUNCTION %(row_function)s();
DROP TRIGGER IF EXISTS %(truncate)s ON %(table)s;
CREATE TRIGGER %(truncate)s
    BEFORE TRUNCATE ON %(table)s
    FOR EACH STATEMENT EXECUTE FUNCTION sicantik_audit_append_only();
""",
            table=SQL.identifier(table),
            guard=SQL.identifier(f"{table}_guard"),
            truncate=SQL.identifier(f"{table}_truncate"),
            row_function=SQL.identifier(row_function),
        )
    )


def append_event(cr, values):
    """Insert one pending event on cursor ``cr``; return its id.

    ``values`` maps the ``chain.CANONICAL_FIELDS`` except ``sequence`` to their
    final (masked, JSON-encoded) values.
    """
    cr.execute(_INSERT_SQL, [values[name] for name in _CONTENT_FIELDS])
    return cr.fetchone()[0]


def seal_after_commit(cr, registry):
    """Have the events appended on ``cr`` sealed once its transaction commits.

    Registered once per transaction.  A test cursor ignores post-commit hooks,
    so tests seal explicitly.  The registry is passed in, not looked up: the
    lookup takes a lock that the thread loading the registry may hold.
    """
    postcommit = cr.postcommit
    if not postcommit.data.get(_POSTCOMMIT_FLAG):
        postcommit.data[_POSTCOMMIT_FLAG] = True
        postcommit.add(functools.partial(_seal_after_commit, registry))


def seal_pending(cr, limit=SEAL_BATCH, wait=True, lock_timeout=None):
    """Chain up to ``limit`` pending events on cursor ``cr``; return how many.

    Takes the chain lock (held until ``cr``'s transaction ends), so call it on
    a short READ COMMITTED transaction of its own (``seal_committed``) — or, in
    a test, on the test's cursor.  With ``wait=False`` it seals nothing when
    another sealer holds the lock (that one is doing the work); otherwise it
    waits, for at most ``lock_timeout`` when given.  Hashes are computed from
    the columns as the verifier will read them back, so a sealed event always
    verifies.  Round trips are few on purpose: this runs after every commit
    that logged.
    """
    if not wait:
        cr.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        if not cr.fetchone()[0]:
            return 0
        cr.execute(_PENDING_SQL, [limit])
    elif lock_timeout:
        cr.execute(
            "SELECT set_config('lock_timeout', %s, true);"
            " SELECT pg_advisory_xact_lock(%s); " + _PENDING_SQL,
            [lock_timeout, LOCK_KEY, limit],
        )
    else:
        cr.execute(
            "SELECT pg_advisory_xact_lock(%s); " + _PENDING_SQL, [LOCK_KEY, limit]
        )
    rows = cr.fetchall()
    if not rows:
        return 0
    sequence, prev = rows[0][-2:]
    if sequence is None:
        sequence, prev = _checkpoint_head(cr)
    ids, seqs, prevs, hashes = [], [], [], []
    for row in rows:
        sequence += 1
        digest = chain.event_hash(prev, chain.canonical((sequence, *row[1:-2])))
        ids.append(row[0])
        seqs.append(sequence)
        prevs.append(prev)
        hashes.append(digest)
        prev = digest
    cr.execute(_SEAL_SQL, [ids, seqs, prevs, hashes])
    if cr.rowcount != len(rows):
        # Another sealer got there first on a stale snapshot: never half-seal.
        raise RuntimeError(
            f"Audit seal raced: {cr.rowcount} of {len(rows)} events updated"
        )
    return len(rows)


def seal_committed(registry, batches=1, wait=True, lock_timeout=SEAL_LOCK_TIMEOUT):
    """Seal committed pending events in transactions of their own.

    Returns the number sealed.  Runs ``batches`` transactions at most, each
    committed on its own, so a long backlog never holds the lock for long.
    ``wait``: wait up to ``lock_timeout`` for another sealer, or skip at once.
    """
    total = 0
    with registry.cursor() as cr:
        if not registry.in_test_mode():
            # Before the first statement: see the module docstring.
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
        for _batch in range(batches):
            sealed = seal_pending(cr, wait=wait, lock_timeout=lock_timeout)
            cr.commit()  # pylint: disable=invalid-commit
            total += sealed
            if sealed < SEAL_BATCH:
                break
    return total


def _seal_after_commit(registry):
    """Post-commit hook: seal what the business transaction appended.

    The business work is committed already: a failure here must not turn the
    request into an error, so it is logged and left to the next seal (cron).
    """
    try:
        seal_committed(registry)
    except Exception:  # pylint: disable=broad-except
        _logger.warning(
            "Audit events left pending, the next seal will chain them",
            exc_info=True,
        )


def _checkpoint_head(cr):
    """Where the live chain starts: the last retention checkpoint, or genesis."""
    cr.execute(
        "SELECT upto_sequence, hash FROM sicantik_audit_checkpoint"
        " ORDER BY upto_sequence DESC LIMIT 1"
    )
    row = cr.fetchone()
    return (row[0], row[1]) if row else (0, chain.GENESIS)


class SicantikAuditEvent(models.Model):
    _name = "sicantik.audit.event"
    _description = "SICANTIK Audit Event"
    # Pending events (no sequence yet) first: they are the newest.
    _order = "sequence desc, id desc"
    _rec_name = "sequence"
    _log_access = False

    sequence = fields.Integer(
        readonly=True,
        aggregator=None,
        help="Position in the hash chain, given when the event is sealed "
        "(right after its transaction commits).",
    )
    event_time = fields.Datetime(string="Time", readonly=True, index=True)
    actor_type = fields.Selection(ACTOR_TYPES, readonly=True)
    actor_uid = fields.Integer(string="User ID", readonly=True, aggregator=None)
    actor_login = fields.Char(string="Login", readonly=True, index=True)
    actor_name = fields.Char(
        string="Actor name",
        readonly=True,
        help="User name, scheduled action name, or system component.",
    )
    actor_key = fields.Char(
        string="Visitor key",
        readonly=True,
        help="Salted SHA-256 of a public visitor's IP address; the address "
        "itself is never stored.",
    )
    action = fields.Char(readonly=True, required=True, index=True)
    res_model = fields.Char(string="Model", readonly=True, index=True)
    res_id = fields.Integer(string="Record ID", readonly=True, aggregator=None)
    summary = fields.Char(readonly=True)
    details = fields.Text(
        readonly=True, help="JSON, with personal data masked before hashing."
    )
    ip = fields.Char(string="IP address", readonly=True)
    user_agent = fields.Char(readonly=True)
    prev_hash = fields.Char(string="Previous hash", readonly=True)
    hash = fields.Char(readonly=True)

    _sql_constraints = [
        ("sequence_unique", "UNIQUE(sequence)", "Audit sequence numbers are unique.")
    ]

    # ------------------------------------------------------------------ guards
    def init(self):
        res = super().init()
        if owns_audit_tables(self.env.cr):
            self._audit_install_guards()
            self._audit_install_meta()
        else:
            # Locked down (``odoo-bin sicantik_audit lockdown``): the guards
            # belong to the audit owner role and Odoo may not touch them.
            _logger.info("Audit tables locked down: their guards are left as they are")
        return res

    def _audit_install_guards(self):
        """Database-level append-only guard, (re)created on every update.

        Why a trigger and not only ORM overrides: the ORM is one door among
        several (``env.cr.execute``, psql, a migration script).  The trigger
        refuses UPDATE, DELETE and TRUNCATE for every role that does not
        disable it, with two narrow exceptions: sealing fills in the empty chain
        columns of a pending event once, its content unchanged; the retention
        job deletes rows it has archived, inside a transaction that ``SET LOCAL
        sicantik_audit.purge_upto`` and only up to the last checkpoint.
        A superuser or the table owner can still ``ALTER TABLE … DISABLE
        TRIGGER``: the S3 anchors are what catches that (see ROADMAP).
        """
        cr = self.env.cr
        # Unused since the two-step append; older databases still have it.
        cr.execute("DROP SEQUENCE IF EXISTS sicantik_audit_event_head_seq")
        # What every seal looks for: small, since events stay pending for
        # milliseconds.
        cr.execute(
            "CREATE INDEX IF NOT EXISTS sicantik_audit_event_pending_idx"
            " ON sicantik_audit_event (id) WHERE sequence IS NULL"
        )
        new_content = ", ".join(f"NEW.{name}" for name in _CONTENT_FIELDS)
        old_content = ", ".join(f"OLD.{name}" for name in _CONTENT_FIELDS)
        cr.execute(
            """
CREATE OR REPLACE FUNCTION sicantik_audit_event_guard() RETURNS trigger AS $$
DECLARE
    purge_upto bigint;
    checkpoint_upto bigint;
BEGIN
    -- Sealing: chain links filled in once, content untouched.
    IF TG_OP = 'UPDATE'
       AND OLD.sequence IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
       AND NEW.sequence IS NOT NULL AND NEW.prev_hash IS NOT NULL
       AND NEW.hash IS NOT NULL AND NEW.id = OLD.id
       AND (%(new)s) IS NOT DISTINCT FROM (%(old)s) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        purge_upto := NULLIF(
            current_setting('sicantik_audit.purge_upto', true), '')::bigint;
        IF purge_upto IS NOT NULL AND OLD.sequence <= purge_upto THEN
            SELECT max(upto_sequence) INTO checkpoint_upto
              FROM sicantik_audit_checkpoint;
            IF checkpoint_upto IS NOT NULL AND OLD.sequence <= checkpoint_upto THEN
                RETURN OLD;
            END IF;
        END IF;
    END IF;
    RAISE EXCEPTION 'sicantik_audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
""".replace("%(new)s", new_content).replace("%(old)s", old_content)
        )
        install_append_only_triggers(
            cr, "sicantik_audit_event", "sicantik_audit_event_guard"
        )

    def _audit_install_meta(self):
        """The namespace of this trail's S3 evidence, fixed at install.

        Why a one-row table and not ``ir.config_parameter`` (such as
        ``database.uuid``): an administrator edits those in the settings, and
        could point verification at an empty S3 folder.  The row is written once
        (the database uuid of that moment; a restored copy keeps it, so it
        finds its anchors), then UPDATE/DELETE/TRUNCATE are refused like for
        events, and ``lockdown`` takes the table away from Odoo's role.
        """
        cr = self.env.cr
        cr.execute(
            """
CREATE TABLE IF NOT EXISTS sicantik_audit_meta (
    id integer PRIMARY KEY CHECK (id = 1),
    namespace varchar NOT NULL,
    create_time timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);
INSERT INTO sicantik_audit_meta (id, namespace)
SELECT 1, COALESCE(
    (SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'),
    current_database())
ON CONFLICT (id) DO NOTHING;
"""
        )
        install_append_only_triggers(cr, "sicantik_audit_meta")

    # The refusals below deliberately never call super(): nobody, superuser
    # included, changes events through the ORM.  They raise AccessError (a
    # UserError) so that an RPC caller is refused like any forbidden call.
    # Empty batches are accepted as no-ops where access rights allow the
    # operation (the superuser): Odoo, and its own test suite, expect every
    # model to take them.
    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        self.check_access("create")
        if not vals_list:
            return self.browse()
        raise AccessError(
            _("Audit events are written through the audit API only, never created.")
        )

    def write(self, vals):  # pylint: disable=method-required-super
        self.check_access("write")
        if not self:
            return True
        raise AccessError(_("Audit events are append-only: they cannot be changed."))

    def unlink(self):  # pylint: disable=method-required-super
        self.check_access("unlink")
        if not self:
            return True
        raise AccessError(_("Audit events are append-only: they cannot be deleted."))

    def copy(self, default=None):  # pylint: disable=method-required-super
        raise AccessError(_("Audit events cannot be duplicated."))

    @api.depends("sequence", "action")
    def _compute_display_name(self):
        for event in self:
            event.display_name = f"#{event.sequence} {event.action or ''}"

    # --------------------------------------------------------------------- API
    @api.private
    @api.model
    def log(self, action, summary="", record=None, details=None):
        """Append one event to the audit trail and return it.

        :param str action: dotted event name, e.g. ``sync.run``,
            ``document.download``, ``sign.approve``.
        :param str summary: one human line; NIK-shaped numbers are masked.
        :param record: the Odoo record concerned, or a ``(model, id)`` tuple.
        :param dict details: JSON-able facts; personal data is masked by key
            (``lib/masking.py``) before anything is stored.
        :returns: the created ``sicantik.audit.event`` (in the caller's env);
            its ``sequence`` and ``hash`` are given when it is sealed, right
            after the caller's transaction commits.

        Why private and without an ``actor`` argument: a method reachable over
        ``/web/dataset/call_kw`` let any officer store a sealed "Administrator
        approved".  Who acted is derived, never passed (``_audit_actor``).
        Python callers (controllers, crons, other addons) call it as before;
        it writes with raw SQL, which needs no access right.  Errors are *not*
        swallowed: an operation that must be audited fails loudly rather than
        completes unaudited.  It takes no lock.
        """
        values = self._audit_values(action, summary, record, details)
        event_id = append_event(self.env.cr, values)
        seal_after_commit(self.env.cr, self.env.registry)
        return self.browse(event_id)

    @api.model
    def _audit_seal(self):
        """Seal the pending events visible to this transaction; return how many.

        For tests and for callers that must read the hashes in the transaction
        that logged: it holds the chain lock until this transaction ends.
        Everywhere else ``_audit_seal_committed`` is the one to call.
        """
        total = 0
        while sealed := seal_pending(self.env.cr):
            total += sealed
        return total

    @api.model
    def _audit_seal_committed(self, batches=100):
        """Seal committed pending events in short transactions of their own.

        Skips at once when another sealer is at work (it is doing this job):
        callers are crons and buttons that must not hang on a busy chain.
        """
        return seal_committed(self.env.registry, batches=batches, wait=False)

    @api.model
    def _cron_seal(self):
        """Chain what post-commit seals left behind (a crash, a lock timeout)."""
        return self._audit_seal_committed()

    @api.model
    def _audit_values(self, action, summary, record, details):
        if not isinstance(action, str) or not ACTION_RE.match(action):
            raise ValueError(f"Audit action must be a dotted name, got {action!r}")
        res_model = res_id = None
        details = dict(details or {})
        if isinstance(record, models.BaseModel):
            res_model = record._name
            if len(record) == 1:
                res_id = record.id
            elif record:
                details.setdefault("ids", record.ids[:100])
        elif isinstance(record, tuple | list) and len(record) == 2:
            res_model, res_id = record[0], int(record[1]) if record[1] else None
        elif record is not None:
            raise ValueError(f"Audit record must be a record or (model, id): {record}")
        values = dict.fromkeys(chain.CANONICAL_FIELDS[1:])
        values.update(self._audit_actor())
        values.update(
            # Formatted once, hashed as is, cast to timestamp by PostgreSQL.
            event_time=datetime.now(timezone.utc)
            .replace(tzinfo=None)
            .strftime(chain.TIME_FORMAT),
            action=action,
            res_model=res_model,
            res_id=res_id,
            # Empty is stored as NULL, so that a CSV export (where both are an
            # empty cell) re-verifies.
            summary=masking.mask_text(str(summary))[:512] if summary else None,
            details=chain.details_json(masking.mask(details)),
        )
        return values

    @api.model
    def _audit_actor(self):
        """Who acts, from where the code runs and never from a caller.

        In order: an HTTP request (its session's user, or a public visitor
        known by a salted IP key — even when the controller works as
        superuser); Odoo's scheduler (``CRON_JOB``, set around the job by
        ``ir.cron._run_job``); the command line (``CLI_ACTOR``); else the
        environment's user (shell, module install: ``system`` for the
        superuser).  The context is not consulted: an RPC caller sets it.
        """
        http = self._audit_request()
        result = {"ip": http.get("ip"), "user_agent": http.get("user_agent")}
        if http:
            uid = http.get("uid")
            if not uid:
                result.update(
                    actor_type="public",
                    actor_key=self._audit_visitor_key(http.get("ip")),
                    ip=None,
                )
                return result
            login, name, is_public = self._audit_identity(uid)
            if is_public:
                result.update(
                    actor_type="public",
                    actor_uid=uid,
                    actor_key=self._audit_visitor_key(http.get("ip")),
                    ip=None,
                )
                return result
            result.update(
                actor_type="user", actor_uid=uid, actor_login=login, actor_name=name
            )
            return result
        uid = self.env.uid
        login, name, is_public = self._audit_identity(uid)
        if is_public:
            result.update(actor_type="public", actor_uid=uid)
            return result
        cron = CRON_JOB.get()
        if cron:
            result.update(
                actor_type="cron",
                actor_uid=uid,
                actor_login=login,
                actor_name=cron[1] or f"cron #{cron[0]}",
            )
            return result
        cli = CLI_ACTOR.get()
        if cli:
            result.update(actor_type="system", actor_name=cli)
            return result
        result.update(
            actor_type="system" if uid == 1 else "user",
            actor_uid=uid,
            actor_login=login,
            actor_name=name,
        )
        return result

    @api.model
    def _audit_identity(self, uid):
        """``(login, name, is_public)`` of a user, cached for a minute."""
        key = (self.env.cr.dbname, uid)
        now = time.monotonic()
        cached = _identities.get(key)
        if cached and cached[0] > now:
            return cached[1:]
        user = self.env["res.users"].sudo().browse(uid)
        identity = (user.login, user.name, user._is_public())
        if len(_identities) > 10_000:
            _identities.clear()
        _identities[key] = (now + IDENTITY_TTL, *identity)
        return identity

    @api.model
    def _audit_request(self):
        """IP address, user agent and session user of the current HTTP request.

        Empty outside of a request, or when the request serves another
        database (a cursor of its own opened by a job).
        """
        try:
            httprequest = request.httprequest if request else None
        except RuntimeError:  # outside of an application context
            httprequest = None
        if httprequest is None or getattr(request, "db", None) != self.env.cr.dbname:
            return {}
        session = getattr(request, "session", None)
        agent = httprequest.headers.get("User-Agent") or None
        return {
            "ip": httprequest.remote_addr,
            "user_agent": agent[:256] if agent else None,
            "uid": session.uid if session is not None else None,
        }

    @api.model
    def _audit_salt(self):
        """Secret salt for visitor keys: ``audit_salt`` of the deployment only.

        Why no fallback to the database secret: an administrator reads
        ``database.secret`` in the settings, hashes every IPv4 address and
        re-identifies visitors.  Without a salt, visitor keys are left empty
        (nothing identifying is stored), the health check fails and the server
        log says why.
        """
        from odoo.addons.sicantik_base.lib import settings

        salt = settings.get("audit_salt")
        if not salt:
            dbname = self.env.cr.dbname
            if dbname not in _salt_warned:
                _salt_warned.add(dbname)
                _logger.error(
                    "SICANTIK_AUDIT_SALT is not configured: public visitors are "
                    "logged without a visitor key until it is set"
                )
            return None
        return salt

    @api.model
    def _audit_visitor_key(self, ip):
        """Salted SHA-256 (HMAC) of a visitor's IP: linkable, not reversible."""
        salt = self._audit_salt()
        if not ip or not salt:
            return None
        return hmac.new(
            salt.encode("utf-8"), str(ip).encode("utf-8"), hashlib.sha256
        ).hexdigest()
