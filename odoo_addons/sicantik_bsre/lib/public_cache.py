"""Redis cache of the public verification summary and its rendered page.

Why a cache shared by every worker: the QR page is the one public, anonymous
route, read by phones in bursts (a counter queue, a batch of permits handed
over).  Looking the token up and rendering the page costs a database query
and a QWeb render per request; cached per token in Redis, one worker renders
and every other worker (and every later visitor) gets the same bytes in one
round trip, including right after a restart, when no worker has compiled the
template yet.

What keeps it correct: both entries of a token are dropped together
(:func:`invalidate`) whenever its status can change on our side (revocation
folded in, a newer signed version published), and both expire after
``ttl`` seconds, which bounds what nothing invalidates (the day a permit
expires, a changed office name).  A miss for an unknown token is cached too
(as ``null``), so guessing tokens costs no database query.

This module imports no Odoo code; the model decides what is cached.
"""

import json

from .ratelimit import PREFIX


def summary_key(token_hash):
    return f"{PREFIX}summary:{token_hash}"


def page_key(token_hash):
    return f"{PREFIX}page:{token_hash}"


MISSING = object()


def get(redis, token_hash, page=False):
    """``(summary, page_bytes)`` from one round trip; ``MISSING`` when absent.

    ``summary`` is the cached dict, or ``None`` for a token known not to
    exist.  Without ``page`` only the summary is read (the JSON API).
    """
    keys = [summary_key(token_hash)] + ([page_key(token_hash)] if page else [])
    values = redis.mget(keys)
    summary = MISSING if values[0] is None else (json.loads(values[0]) or None)
    html = values[1] if page and values[1] is not None else MISSING
    return summary, html


def put(redis, token_hash, ttl, summary=MISSING, page=MISSING):
    """Store what was computed (either or both) for ``ttl`` seconds."""
    ttl = max(1, int(ttl))
    pipe = redis.pipeline(transaction=False)
    if summary is not MISSING:
        pipe.set(summary_key(token_hash), json.dumps(summary), ex=ttl)
    if page is not MISSING:
        pipe.set(page_key(token_hash), page, ex=ttl)
    pipe.execute()


def invalidate(redis, token_hashes):
    """Drop the summary and the page of every token in ``token_hashes``."""
    keys = []
    for token_hash in token_hashes:
        if token_hash:
            keys += [summary_key(token_hash), page_key(token_hash)]
    if keys:
        redis.delete(*keys)
    return len(keys) // 2
