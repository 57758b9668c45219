"""The audit event: one append-only, hash-chained row per business event.

How an append works, and why
============================

Every event stores ``hash = SHA-256(prev_hash + canonical content)`` (see
``lib/chain.py``), so appends must be *serialised*: two workers that both read
event 41 as the head and both write event 42 would fork the chain.  An append
therefore runs, inside the caller's business transaction:

1. ``pg_advisory_xact_lock(LOCK_KEY)`` — one constant key for the whole
   database, so every Odoo worker, cron thread and container queues here;
2. read the head ``(sequence, hash)``;
3. one raw ``INSERT`` with ``sequence = head + 1`` (gap-free: assigned under the
   lock, not from a PostgreSQL sequence) and ``prev_hash = head.hash``.

The lock is a *transaction* lock: it is released only when the business
transaction commits or rolls back.  That is what makes the chain linear — the
next writer cannot read the head before this event is committed or gone — and it
is also the cost: **callers log at the end of their work**, so that the lock is
held for milliseconds, not for the whole request.  A rolled-back business
transaction takes its events with it (nothing is claimed that did not happen).

The REPEATABLE READ trap.  Odoo runs every transaction in REPEATABLE READ: the
snapshot is taken at the transaction's first statement, long before it logs.
After waiting for the lock, our snapshot may not contain the event another
worker just committed, so "read the head" in step 2 could return a stale head.
Two cheap facts fix that without a retry:

- ``sicantik_audit_event_head_seq`` is a PostgreSQL sequence that every append
  ``setval``\\ s to its new sequence number before committing.  Sequences are not
  transactional, so its value is always >= the committed head, and equal to it
  whenever the last appender committed;
- so if the head seen in our snapshot equals the sequence's value, it *is* the
  committed head (the usual case, one round trip); otherwise (a concurrent
  commit, or a rolled-back append) the head is read again on a separate
  autocommit connection, which sees every committed row — and nobody can commit
  a newer one while we hold the lock.

Rows of the current transaction itself are visible in its own snapshot, so a
transaction that logs several events keeps taking the fast path.  The sequence
is UNLOGGED (PostgreSQL >= 15, no WAL per append); after a crash it restarts
"not called", which merely sends the next append through the slow path.

Why one raw statement and not ``create()``: the fast path is a single round trip
— lock, head check, INSERT with sequence and hash computed by PostgreSQL from the
head it has just read, ``setval`` — so logging costs little more than a plain
INSERT.  Python recomputes the returned hash from the same canonical bytes and
refuses to continue on any difference, so SQL and verifier can never drift
apart silently.  Raw SQL also needs no access right, which is what lets public
visitors and crons log without being granted anything on the model.

The ORM is only used to *read* events: ``create``, ``write`` and ``unlink`` are
refused for everybody (superuser included), and a trigger refuses ``UPDATE``,
``DELETE`` and ``TRUNCATE`` in the database (see ``_audit_install_guards``).
"""

import logging
import re
import threading
import time
from datetime import datetime, timezone

import psycopg2

from odoo import _, api, fields, models, sql_db
from odoo.exceptions import UserError
from odoo.http import request

from ..lib import chain, masking

_logger = logging.getLogger(__name__)

#: The advisory lock key serialising chain appends ("SICANTIK AUDIT" in a bigint).
LOCK_KEY = 0x51CA_A0D1_7C4A_1000
HEAD_SEQ = "sicantik_audit_event_head_seq"
ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
ACTOR_TYPES = [
    ("user", "User"),
    ("cron", "Scheduled action"),
    ("public", "Public visitor"),
    ("system", "System"),
]
#: Column list of the raw INSERT, in ``chain.ROW_FIELDS`` order.
_COLUMNS = ", ".join(chain.ROW_FIELDS)
_HEAD_SQL = f"""
SELECT pg_advisory_xact_lock({LOCK_KEY});
SELECT h.sequence, h.hash, s.last_value, s.is_called
  FROM {HEAD_SEQ} s
  LEFT JOIN LATERAL (
      SELECT sequence, hash FROM sicantik_audit_event
       ORDER BY sequence DESC LIMIT 1
  ) h ON TRUE
"""
_CREATE_HEAD_SEQ = f"CREATE SEQUENCE IF NOT EXISTS {HEAD_SEQ} MINVALUE 0 START 0"
_UNLOGGED_HEAD_SEQ = f"ALTER SEQUENCE {HEAD_SEQ} SET UNLOGGED"
_SIDE_HEAD_SQL = (
    "SELECT sequence, hash FROM sicantik_audit_event ORDER BY sequence DESC LIMIT 1"
)
_INSERT_SQL = f"""
WITH ins AS (
    INSERT INTO sicantik_audit_event ({_COLUMNS})
    VALUES ({", ".join(["%s"] * len(chain.ROW_FIELDS))})
    RETURNING id
)
SELECT ins.id, setval('{HEAD_SEQ}', %s) FROM ins
"""
# The fast path in ONE round trip: lock, then insert only if the head in our
# snapshot is the committed head (see the module docstring); the sequence and
# the hash are computed by PostgreSQL from the head it just read, with the same
# canonical bytes as ``chain.canonical`` (``[version,sequence,<rest>]``).  From
# the second append on a cursor it runs as a prepared statement: planning this
# query costs about as much as executing it.
_PARAM_TYPES = (
    "timestamp, varchar, int4, varchar, varchar, varchar, varchar, varchar, int4,"
    " varchar, text, varchar, varchar, text"
)
_TYPES = [name.strip() for name in _PARAM_TYPES.split(",")]
PREPARED = "sicantik_audit_append_v1"


def _fast_body(params, rest_param):
    return f"""
WITH h AS (
    SELECT e.sequence AS seq, e.hash AS hash
      FROM {HEAD_SEQ} s
      JOIN LATERAL (
          SELECT sequence, hash FROM sicantik_audit_event
           ORDER BY sequence DESC LIMIT 1
      ) e ON TRUE
     WHERE s.is_called AND s.last_value = e.sequence
), ins AS (
    INSERT INTO sicantik_audit_event ({_COLUMNS})
    SELECT h.seq + 1, {params}, h.hash,
           encode(sha256(convert_to(
               h.hash || E'\\n' || '[{chain.CANONICAL_VERSION},'
               || (h.seq + 1) || ',' || {rest_param} || ']', 'UTF8')), 'hex')
      FROM h
    RETURNING id, sequence, prev_hash, hash
)
SELECT ins.id, ins.sequence, ins.prev_hash, ins.hash,
       setval('{HEAD_SEQ}', ins.sequence)
  FROM ins
"""


_LOCK_SQL = f"SELECT pg_advisory_xact_lock({LOCK_KEY});"
#: First append on a cursor: planned inline (a request usually logs once).
_FAST_INLINE_SQL = _LOCK_SQL + _fast_body(
    ", ".join(f"%s::{name}" for name in _TYPES[:-1]), "%s::text"
)
#: Later appends on the same cursor (crons, batches): the prepared statement.
_PREPARE_SQL = f"PREPARE {PREPARED} ({_PARAM_TYPES}) AS " + _fast_body(
    ", ".join(f"${i}" for i in range(1, len(_TYPES))), f"${len(_TYPES)}"
)
_HAS_PREPARED_SQL = "SELECT 1 FROM pg_prepared_statements WHERE name = %s"
_FAST_PREPARED_SQL = (
    f"{_LOCK_SQL} EXECUTE {PREPARED} ({', '.join(['%s'] * len(_TYPES))})"
)

_side = threading.local()
_cron_names = {}
_salts = {}
#: (dbname, uid) -> (expiry, login, name, is_public): reading them through the
#: ORM costs two queries per event after every commit (the cache is per
#: transaction).  A minute of staleness after a rename is acceptable: the user
#: id is the authoritative actor, login and name are for reading.
_identities = {}
IDENTITY_TTL = 60.0


def _connection(cr):
    """The psycopg2 connection under an Odoo cursor (or a test cursor)."""
    return cr._cnx if hasattr(cr, "_cnx") else cr._cursor._cnx


def _side_head(dbname):
    """Committed chain head, read on this thread's own autocommit connection."""
    conns = getattr(_side, "conns", None)
    if conns is None:
        conns = _side.conns = {}
    for attempt in (0, 1):
        conn = conns.get(dbname)
        if conn is None or conn.closed:
            _name, info = sql_db.connection_info_for(dbname)
            conn = psycopg2.connect(**info)
            conn.autocommit = True
            conns[dbname] = conn
        try:
            with conn.cursor() as cur:
                cur.execute(_SIDE_HEAD_SQL)
                return cur.fetchone()
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            conns.pop(dbname, None)
            if attempt:
                raise
    return None  # pragma: no cover - loop always returns or raises


def append_event(cr, values):
    """Append one event on cursor ``cr``; return ``(id, sequence, hash)``.

    ``values`` maps the ``chain.CANONICAL_FIELDS`` except ``sequence`` to their
    final (masked, JSON-encoded) values.  See the module docstring for the
    locking protocol: one round trip when our snapshot holds the committed
    head, three when it does not.
    """
    rest = [values[name] for name in chain.CANONICAL_FIELDS[1:]]
    rest_json = chain.canonical([0, *rest])[len(b"[1,0,") : -1].decode("utf-8")
    # Prepared statements outlive transactions but not Odoo's connection pool:
    # psycopg2's reset() (DISCARD ALL) runs whenever a connection is borrowed.
    # So the state lives on the real Odoo cursor, whose lifetime is one borrow,
    # and the catalogue is asked once before preparing.
    real_cr = cr if hasattr(cr, "_cnx") else cr._cursor
    state = getattr(real_cr, "_sicantik_audit_appends", 0)
    if state == 0:
        real_cr._sicantik_audit_appends = 1
        cr.execute(_FAST_INLINE_SQL, (*rest, rest_json))
    else:
        if state == 1:
            cr.execute(_HAS_PREPARED_SQL, [PREPARED])
            if not cr.fetchone():
                cr.execute(_PREPARE_SQL)
            real_cr._sicantik_audit_appends = 2
        cr.execute(_FAST_PREPARED_SQL, (*rest, rest_json))
    fast = cr.fetchone()
    if fast:
        event_id, sequence, prev_hash, digest = fast[:4]
        # Guard against any divergence between the SQL and the Python hash:
        # an event the verifier would reject must never be committed.
        expected = chain.event_hash(prev_hash, chain.canonical([sequence, *rest]))
        if digest != expected:
            raise RuntimeError(
                f"Audit hash mismatch on append (#{sequence}): {digest} != {expected}"
            )
        return event_id, sequence, digest
    cr.execute(_HEAD_SQL)
    head_seq, head_hash, seq_value, seq_called = cr.fetchone()
    head_seq = head_seq or 0
    if head_seq != (seq_value if seq_called else 0):
        side = _side_head(cr.dbname)
        if side and side[0] > head_seq:
            head_seq, head_hash = side
    prev_hash = head_hash or chain.GENESIS
    if head_seq == 0:
        # Empty live table: a fresh chain, or (defensively) one whose events
        # were all archived — it then continues from the last checkpoint.
        head_seq, prev_hash = _checkpoint_head(cr)
    sequence = head_seq + 1
    row = [sequence, *rest]
    digest = chain.event_hash(prev_hash, chain.canonical(row))
    cr.execute(_INSERT_SQL, (*row, prev_hash, digest, sequence))
    return cr.fetchone()[0], sequence, digest


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
    _order = "sequence desc"
    _rec_name = "sequence"
    _log_access = False

    sequence = fields.Integer(readonly=True, required=True, aggregator=None)
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
        self._audit_install_guards()
        return res

    def _audit_install_guards(self):
        """Database-level append-only guard, (re)created on every update.

        Why a trigger and not only ORM overrides: the ORM is one door among
        several (``env.cr.execute``, psql, a migration script).  The trigger
        refuses UPDATE, DELETE and TRUNCATE for every role that does not
        disable it, with one narrow exception: the retention job deletes rows it
        has archived, inside a transaction that ``SET LOCAL
        sicantik_audit.purge_upto`` and only up to the last checkpoint.
        A superuser or the table owner can still ``ALTER TABLE … DISABLE
        TRIGGER``: the S3 anchors are what catches that (see ROADMAP).
        """
        cr = self.env.cr
        cr.execute(_CREATE_HEAD_SEQ)
        if _connection(cr).server_version >= 150000:
            # Every append setval()s it: unlogged, that costs no WAL.  After a
            # crash it restarts "not called", which only sends the next append
            # through the slow path once (see the module docstring).
            cr.execute(_UNLOGGED_HEAD_SEQ)
        cr.execute(
            """
CREATE OR REPLACE FUNCTION sicantik_audit_event_guard() RETURNS trigger AS $$
DECLARE
    purge_upto bigint;
    checkpoint_upto bigint;
BEGIN
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

CREATE OR REPLACE FUNCTION sicantik_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS sicantik_audit_event_guard ON sicantik_audit_event;
CREATE TRIGGER sicantik_audit_event_guard
    BEFORE UPDATE OR DELETE ON sicantik_audit_event
    FOR EACH ROW EXECUTE FUNCTION sicantik_audit_event_guard();
DROP TRIGGER IF EXISTS sicantik_audit_event_truncate ON sicantik_audit_event;
CREATE TRIGGER sicantik_audit_event_truncate
    BEFORE TRUNCATE ON sicantik_audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION sicantik_audit_append_only();
"""
        )

    # The refusals below deliberately never call super(): nobody, superuser
    # included, changes events through the ORM.
    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        raise UserError(
            _("Audit events are written through the audit API only, never created.")
        )

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(_("Audit events are append-only: they cannot be changed."))

    def unlink(self):  # pylint: disable=method-required-super
        raise UserError(_("Audit events are append-only: they cannot be deleted."))

    def copy(self, default=None):  # pylint: disable=method-required-super
        raise UserError(_("Audit events cannot be duplicated."))

    @api.depends("sequence", "action")
    def _compute_display_name(self):
        for event in self:
            event.display_name = f"#{event.sequence} {event.action or ''}"

    # --------------------------------------------------------------------- API
    @api.model
    def log(self, action, summary="", record=None, details=None, actor=None):
        """Append one event to the audit trail and return it.

        :param str action: dotted event name, e.g. ``sync.run``,
            ``document.download``, ``sign.approve``.
        :param str summary: one human line; NIK-shaped numbers are masked.
        :param record: the Odoo record concerned, or a ``(model, id)`` tuple.
        :param dict details: JSON-able facts; personal data is masked by key
            (``lib/masking.py``) before anything is stored.
        :param actor: override who acted: a ``res.users`` record, a name
            (``"system"`` actor) or a dict with ``type``/``name``/``uid``/
            ``login``/``key``.  Default: the current user, cron or visitor.
        :returns: the created ``sicantik.audit.event`` (in the caller's env).

        Callable by any user, public visitors and crons included: it writes
        with raw SQL, which needs no access right, and never reads anything
        the caller could not.  Errors are *not* swallowed: an operation that
        must be audited fails loudly rather than completes unaudited.  Call it
        at the end of the business work (the chain lock is held until commit).
        """
        values = self._audit_values(action, summary, record, details, actor)
        event_id, _seq, _hash = append_event(self.env.cr, values)
        return self.browse(event_id)

    @api.model
    def _audit_values(self, action, summary, record, details, actor):
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
        values.update(self._audit_actor(actor))
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
    def _audit_actor(self, actor=None):
        """Who acts: explicit actor, else cron, else request user or visitor."""
        http = self._audit_request()
        result = {"ip": http.get("ip"), "user_agent": http.get("user_agent")}
        if isinstance(actor, dict):
            if actor.get("type", "system") not in dict(ACTOR_TYPES):
                raise ValueError(f"Unknown audit actor type: {actor.get('type')!r}")
            result.update(
                actor_type=actor.get("type", "system"),
                actor_uid=actor.get("uid"),
                actor_login=actor.get("login"),
                actor_name=actor.get("name"),
                actor_key=actor.get("key"),
            )
            if result["actor_type"] == "public":
                result["actor_key"] = result["actor_key"] or self._audit_visitor_key(
                    http.get("ip")
                )
                result["ip"] = None
            return result
        if isinstance(actor, str):
            result.update(actor_type="system", actor_name=actor)
            return result
        uid = actor.id if isinstance(actor, models.BaseModel) else self.env.uid
        login, name, is_public = self._audit_identity(uid)
        cron_id = self.env.context.get("cron_id")
        if cron_id and actor is None:
            result.update(
                actor_type="cron",
                actor_uid=uid,
                actor_login=login,
                actor_name=self._audit_cron_name(cron_id),
            )
            return result
        if is_public:
            result.update(
                actor_type="public",
                actor_uid=uid,
                actor_key=self._audit_visitor_key(http.get("ip")),
                ip=None,
            )
            return result
        is_system = uid == 1 and not http
        result.update(
            actor_type="system" if is_system else "user",
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
        """IP address and user agent of the current HTTP request, if any."""
        try:
            httprequest = request.httprequest if request else None
        except RuntimeError:  # outside of an application context
            httprequest = None
        if httprequest is None:
            return {}
        agent = httprequest.headers.get("User-Agent") or None
        return {
            "ip": httprequest.remote_addr,
            "user_agent": agent[:256] if agent else None,
        }

    @api.model
    def _audit_cron_name(self, cron_id):
        key = (self.env.cr.dbname, cron_id)
        if key not in _cron_names:
            self.env.cr.execute(
                "SELECT cron_name FROM ir_cron WHERE id = %s", [cron_id]
            )
            row = self.env.cr.fetchone()
            _cron_names[key] = row[0] if row else f"cron #{cron_id}"
        return _cron_names[key]

    @api.model
    def _audit_salt(self):
        """Secret salt for visitor keys (see CONFIGURE.md).

        ``sicantik_audit_salt`` from the deployment is preferred: a salt kept in
        the database can be read by an administrator, who could then hash every
        IPv4 address and re-identify visitors.  Without it, the database's own
        secret and uuid are used so keys still differ between databases.
        """
        dbname = self.env.cr.dbname
        if dbname not in _salts:
            from odoo.addons.sicantik_base.lib import settings

            salt = settings.get("audit_salt")
            if not salt:
                params = self.env["ir.config_parameter"].sudo()
                salt = "{}:{}".format(
                    params.get_param("database.uuid", ""),
                    params.get_param("database.secret", ""),
                )
            _salts[dbname] = salt
        return _salts[dbname]

    @api.model
    def _audit_visitor_key(self, ip):
        """Salted SHA-256 (HMAC) of a visitor's IP: linkable, not reversible."""
        import hashlib
        import hmac

        if not ip:
            return None
        salt = self._audit_salt().encode("utf-8")
        return hmac.new(salt, str(ip).encode("utf-8"), hashlib.sha256).hexdigest()
