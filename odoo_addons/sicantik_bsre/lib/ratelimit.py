"""Per-visitor rate limit and privacy-preserving counters for the public pages.

Why a fixed window in Redis: the verification page is public and cheap to
abuse (token guessing is hopeless at 256 bits, but scraping or load is not).
Every Odoo worker must see the same counts, so they live in Redis; a fixed
window (``INCR`` + ``EXPIRE`` in one pipeline) costs one round trip and is
exact enough for a limit of tens per minute.  The answer includes the seconds
left in the window, which becomes the ``Retry-After`` header of the 429.

Why the IP is hashed with a salt: the office must not keep visitors' personal
data, and an IP address is personal data.  The key is
``HMAC-SHA256(salt, ip)`` truncated; the salt is a server secret that rotates
daily (derived from a base secret and the date), so a key cannot be linked to
an IP without the secret, nor across days.  Keys expire with their window.

Counters of verifications (per day, per day and token) carry no visitor data at
all; they exist so the office can see how often permits are checked.
"""

import datetime as dt
import hashlib
import hmac
import time
from dataclasses import dataclass

PREFIX = "sicantik:bsre:"
#: Counters are kept this long (then Redis forgets them).
COUNTER_TTL = 40 * 24 * 3600


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    limit: int
    retry_after: int


def visitor_key(ip, secret, day=None):
    """A daily-rotating pseudonym of ``ip`` (hex, 32 chars)."""
    day = day or dt.date.today().isoformat()
    daily = hmac.new(str(secret).encode(), day.encode(), hashlib.sha256).digest()
    return hmac.new(daily, str(ip or "").encode(), hashlib.sha256).hexdigest()[:32]


def hit(redis, key, limit, window=60, scope="verify"):
    """Count one request of ``key`` in the current window; decide.

    ``redis`` is a redis-py client.  ``limit <= 0`` disables the limit.
    """
    if limit <= 0:
        return Decision(True, 0, limit, 0)
    now = time.time()
    bucket = int(now // window)
    name = f"{PREFIX}rl:{scope}:{key}:{bucket}"
    pipe = redis.pipeline()
    pipe.incr(name)
    pipe.expire(name, int(window) + 1)
    count = int(pipe.execute()[0])
    retry_after = max(1, int((bucket + 1) * window - now + 0.999))
    return Decision(count <= limit, count, limit, retry_after if count > limit else 0)


def count_verification(redis, token_hash, kind="page"):
    """Increment the daily counters (total, per kind, per token)."""
    day = dt.date.today().isoformat()
    pipe = redis.pipeline()
    for name in (
        f"{PREFIX}count:{day}",
        f"{PREFIX}count:{day}:{kind}",
        f"{PREFIX}count:{day}:token:{token_hash}",
    ):
        pipe.incr(name)
        pipe.expire(name, COUNTER_TTL)
    pipe.execute()


def read_counts(redis, day=None):
    day = day or dt.date.today().isoformat()
    keys = [f"{PREFIX}count:{day}"] + [
        f"{PREFIX}count:{day}:{kind}" for kind in ("page", "api", "upload")
    ]
    values = redis.mget(keys)
    total, page, api, upload = (int(v or 0) for v in values)
    return {"total": total, "page": page, "api": api, "upload": upload}


def first_today(redis, name, ttl=24 * 3600):
    """True once per ``name`` per ``ttl`` (to log one audit event per visitor)."""
    return bool(redis.set(f"{PREFIX}seen:{name}", 1, nx=True, ex=ttl))
