"""Redis client factory shared by the addons (rate limits, caches, sessions).

Why a factory: every Odoo worker is a separate process with many threads; a
connection pool per URL and per process is what redis-py expects, and creating a
client per request would open a socket per request.  A missing ``redis_url`` is
not an error here — callers decide whether they can degrade (a cache) or must
refuse (a rate limiter falls back to "allow" only when explicitly configured).
"""

import os
import threading

from . import settings

_lock = threading.Lock()
_clients = {}


def get_redis(url=None):
    """Return a process-wide client for ``url`` (default: setting ``redis_url``)."""
    url = url or settings.get("redis_url")
    if not url:
        return None
    key = (os.getpid(), url)
    client = _clients.get(key)
    if client is None:
        import redis

        with _lock:
            client = _clients.get(key)
            if client is None:
                client = redis.Redis.from_url(
                    url, socket_timeout=2, socket_connect_timeout=2
                )
                _clients[key] = client
    return client
