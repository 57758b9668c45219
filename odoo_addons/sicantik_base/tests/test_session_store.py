import os
import uuid
from unittest.mock import patch

from odoo import http
from odoo.tests import TransactionCase, tagged

from ..http_session import RedisSessionStore, install_session_store
from ..lib import redis_client


@tagged("post_install", "-at_install")
class TestRedisSessions(TransactionCase):
    """Sessions in the real Redis the machine runs (sicantik_redis_url)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        url = os.environ.get("SICANTIK_REDIS_URL", "redis://127.0.0.1:6379/0")
        cls.client = redis_client.get_redis(url)
        cls.prefix = f"sicantik:test:{uuid.uuid4().hex}:"
        cls.store = RedisSessionStore(cls.client, lifetime=60, prefix=cls.prefix)

    def tearDown(self):
        keys = list(self.client.scan_iter(match=self.prefix + "*"))
        if keys:
            self.client.delete(*keys)
        super().tearDown()

    def test_roundtrip_rotate_delete(self):
        session = self.store.new()
        session["login"] = "petugas"
        session["context"] = {"lang": "id_ID"}
        self.store.save(session)
        self.assertLessEqual(self.client.ttl(self.prefix + session.sid), 60)
        loaded = self.store.get(session.sid)
        self.assertEqual(loaded["login"], "petugas")
        self.assertEqual(loaded["context"], {"lang": "id_ID"})
        old_sid = session.sid
        self.store.rotate(loaded, None)
        self.assertNotEqual(loaded.sid, old_sid)
        self.assertIsNone(self.client.get(self.prefix + old_sid))
        self.assertEqual(self.store.get(loaded.sid)["login"], "petugas")
        self.store.delete(loaded)
        fresh = self.store.get(loaded.sid)
        self.assertNotIn("login", fresh)
        self.assertNotEqual(fresh.sid, loaded.sid)

    def test_logout_devices_by_identifier(self):
        session = self.store.new()
        session["uid"] = 2
        self.store.save(session)
        self.store.delete_from_identifiers([session.sid[:42]])
        self.assertIsNone(self.client.get(self.prefix + session.sid))

    def test_invalid_key_gives_new_session(self):
        self.assertTrue(self.store.get("../../etc/passwd").is_new)

    def test_install_only_when_configured(self):
        original = http.Application.__dict__["session_store"]
        cached = http.root.__dict__.get("session_store")
        try:
            with patch.dict(os.environ, {"SICANTIK_SESSION_REDIS_URL": ""}):
                self.assertIsNone(install_session_store())
            url = os.environ.get("SICANTIK_REDIS_URL", "redis://127.0.0.1:6379/0")
            with patch.dict(os.environ, {"SICANTIK_SESSION_REDIS_URL": url}):
                store = install_session_store()
            self.assertIsInstance(http.root.session_store, RedisSessionStore)
            self.assertIs(http.root.session_store, store)
        finally:
            http.Application.session_store = original
            http.root.__dict__.pop("session_store", None)
            if cached is not None:
                http.root.__dict__["session_store"] = cached
