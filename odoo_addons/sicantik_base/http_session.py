"""HTTP sessions in Redis, so several Odoo containers can sit behind nginx.

Odoo keeps sessions as JSON files under ``data_dir``: two containers behind a
load balancer would each see only their own files and log users out at random.
When ``sicantik_session_redis_url`` is set, the session store is swapped for one
that keeps the same JSON in Redis with a TTL (no vacuum job needed).  Without the
setting nothing changes: files, as in stock Odoo.

The swap happens in the addon's ``post_load`` hook, which runs when the addon is
imported: list ``sicantik_base`` in ``server_wide_modules`` so that it happens
before the first request of every worker (docker/ does).
"""

import json
import logging

from odoo import http
from odoo.tools import config
from odoo.tools.func import lazy_property

from .lib import redis_client, settings

_logger = logging.getLogger(__name__)

KEY_PREFIX = "sicantik:session:"


class RedisSessionStore(http.FilesystemSessionStore):
    """Odoo's session store API (get/save/delete/rotate) backed by Redis.

    It inherits key generation, key validation and rotation from Odoo's store,
    so session ids look and behave exactly as with files.
    """

    def __init__(self, client, lifetime=http.SESSION_LIFETIME, prefix=KEY_PREFIX):
        super().__init__(
            config.session_dir, session_class=http.Session, renew_missing=True
        )
        self.client = client
        self.lifetime = int(lifetime)
        self.prefix = prefix

    def _key(self, sid):
        return f"{self.prefix}{sid}"

    def save(self, session):
        data = json.dumps(dict(session))
        self.client.set(self._key(session.sid), data, ex=self.lifetime)

    def get(self, sid):
        if not self.is_valid_key(sid):
            return self.new()
        raw = self.client.get(self._key(sid))
        if raw is None:
            return self.new()
        try:
            data = json.loads(raw)
        except ValueError:
            _logger.warning("Unreadable session %s… in Redis: starting afresh", sid[:6])
            return self.new()
        return self.session_class(data, sid, False)

    def delete(self, session):
        self.client.delete(self._key(session.sid))

    def vacuum(self, max_lifetime=http.SESSION_LIFETIME):
        """Nothing to do: every key carries its own TTL."""

    def delete_from_identifiers(self, identifiers):
        """Log out the devices Odoo lists by the first 42 characters of their sid."""
        for identifier in identifiers:
            if not http._session_identifier_re.match(identifier):
                continue
            keys = list(self.client.scan_iter(match=self._key(identifier) + "*"))
            if keys:
                self.client.delete(*keys)


def install_session_store():
    """Swap Odoo's session store for Redis when configured; return the store."""
    url = settings.get("session_redis_url")
    if not url:
        return None
    store = RedisSessionStore(redis_client.get_redis(url))

    def session_store(_app):
        return store

    http.Application.session_store = lazy_property(session_store)
    http.root.__dict__.pop("session_store", None)
    _logger.info("HTTP sessions stored in Redis (%s)", settings.redact_url(url))
    return store
