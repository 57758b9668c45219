"""The hash chain of the audit trail, in plain Python.

Why a chain: a row-level checksum proves a row was not edited, but not that no
row was removed, inserted or reordered.  Each event therefore hashes its own
canonical content *together with the previous event's hash*::

    hash[n] = SHA-256( prev_hash[n] + "\\n" + canonical(event[n]) )
    prev_hash[n] = hash[n-1]          (GENESIS for the first event)

Changing any stored column of event ``n`` changes ``canonical(event[n])`` and so
``hash[n]`` no longer matches; rewriting ``hash[n]`` as well breaks the link to
``prev_hash[n+1]``; removing a row leaves a gap in the gap-free sequence.  Only
rewriting *every* later hash hides an edit, which is why the chain head is also
anchored outside the database (``anchor_store``).

Why the canonical form is a JSON *array* in a fixed field order
(``CANONICAL_FIELDS``) rather than a dict: it is as unambiguous, cheaper to build
(no key sorting, which matters when verifying a million rows) and trivial to
re-implement for a third-party verifier in any language.  ``details`` is stored
and hashed as the exact JSON text produced at logging time, so a JSON column
type that normalises key order or numbers can never make a genuine row fail.

Nothing here imports Odoo: the verifier runs on rows from PostgreSQL, from an
archive file, or from a test.
"""

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime

#: Version tag, first element of every canonical array.  Bump it (and keep the
#: old branch in ``canonical``) if the field list ever changes.
CANONICAL_VERSION = 1

#: Stored columns that make up an event's canonical content, in hashing order.
CANONICAL_FIELDS = (
    "sequence",
    "event_time",
    "actor_type",
    "actor_uid",
    "actor_login",
    "actor_name",
    "actor_key",
    "action",
    "res_model",
    "res_id",
    "summary",
    "details",
    "ip",
    "user_agent",
)

#: Every column an exported/archived event carries: content plus chain links.
ROW_FIELDS = CANONICAL_FIELDS + ("prev_hash", "hash")

#: ``prev_hash`` of the very first event.
GENESIS = "0" * 64

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"

_dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False
).encode


def format_time(value):
    """Timestamps are hashed as naive UTC ISO text with microseconds."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("event_time must be naive UTC")
        return value.strftime(TIME_FORMAT)
    raise TypeError(f"event_time must be a datetime or str, not {type(value)}")


def canonical(values):
    """Canonical bytes of one event, from its values in ``CANONICAL_FIELDS`` order.

    ``values`` is a sequence (a database row) whose second item may be a
    ``datetime`` or the already formatted text; every other item is a str, int or
    None exactly as stored.
    """
    values = list(values[: len(CANONICAL_FIELDS)])
    values[1] = format_time(values[1])
    return _dumps([CANONICAL_VERSION, *values]).encode("utf-8")


def event_hash(prev_hash, canonical_bytes):
    """SHA-256 (hex) linking ``canonical_bytes`` to the previous event's hash."""
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_bytes)
    return digest.hexdigest()


def details_json(details):
    """Canonical JSON text of an (already masked) details dict."""
    return json.dumps(
        details or {},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
        allow_nan=False,
        default=str,
    )


@dataclass
class VerifyResult:
    """Outcome of a chain verification.

    ``broken_sequence`` is the sequence number of the first event that does not
    verify (or the first *missing* sequence number when rows were removed);
    ``last_sequence``/``last_hash`` are the last verified link, so a caller can
    resume or compare with an anchor.
    """

    ok: bool
    checked: int
    last_sequence: int
    last_hash: str
    broken_sequence: int = None
    reason: str = None

    def as_dict(self):
        return asdict(self)


def verify_rows(rows, start_sequence=0, start_hash=GENESIS):
    """Verify ``rows`` (in sequence order) continue the chain at ``start_*``.

    Each row holds the ``ROW_FIELDS`` values in order.  Stops at the first
    broken link and says which sequence and why: a gap (missing or reordered
    rows), a ``prev_hash`` that does not point to the previous event (a row was
    replaced), or a ``hash`` that does not match the content (a column was
    edited).  Streaming: rows may come from a server-side cursor or a file.
    """
    expected_seq = start_sequence + 1
    prev = start_hash
    checked = 0
    n_fields = len(CANONICAL_FIELDS)
    for row in rows:
        seq = row[0]
        if seq != expected_seq:
            reason = "missing event" if seq > expected_seq else "sequence out of order"
            return VerifyResult(
                False, checked, expected_seq - 1, prev, expected_seq, reason
            )
        if row[n_fields] != prev:
            return VerifyResult(
                False, checked, seq - 1, prev, seq, "previous hash does not link"
            )
        computed = event_hash(prev, canonical(row))
        if computed != row[n_fields + 1]:
            return VerifyResult(
                False, checked, seq - 1, prev, seq, "content does not match hash"
            )
        prev = computed
        checked += 1
        expected_seq = seq + 1
    return VerifyResult(True, checked, expected_seq - 1, prev)


def row_to_dict(row):
    """An event row as a dict (archive line, CSV export, anchor evidence)."""
    data = dict(zip(ROW_FIELDS, row, strict=True))
    data["event_time"] = format_time(data["event_time"])
    return data


def dict_to_row(data):
    return tuple(data.get(name) for name in ROW_FIELDS)
