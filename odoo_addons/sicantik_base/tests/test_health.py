import os
import socket
from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common import CountingListener, make_role_users


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestHealth(HttpCase):
    """The health endpoint probes the real services the test harness started."""

    def setUp(self):
        super().setUp()
        # Other tests (metrics) may have cached a round with another state.
        self.env["sicantik.health"]._clear_health_cache()

    def public(self, **env):
        """Make 127.0.0.1 an outside address for the duration of the test."""
        values = {"SICANTIK_INTERNAL_NETWORKS": "192.0.2.0/24", **env}
        patcher = patch.dict(os.environ, values)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_mysql_tls_state_is_reported(self):
        """The opt-out is shown, and never turns the product unhealthy."""
        health = self.env["sicantik.health"]
        self.public(SICANTIK_MYSQL_TLS="false")
        checks = health._health_report()["checks"]
        self.assertEqual(checks["mysql_tls"], {"ok": None, "detail": "off (opt-out)"})
        self.assertTrue(checks["sicantik_mysql"]["ok"], checks["sicantik_mysql"])
        self.public(SICANTIK_MYSQL_TLS="true", SICANTIK_MYSQL_TLS_CA="")
        report = health._health_report()
        self.assertEqual(report["status"], "error")
        self.assertIn("names no CA file", report["checks"]["sicantik_mysql"]["detail"])

    def test_health_ok_with_configured_services(self):
        response = self.url_open("/sicantik/health")
        data = response.json()
        self.assertEqual(response.status_code, 200, data)
        self.assertEqual(data["status"], "ok")
        self.assertTrue(data["checks"]["postgresql"]["ok"])
        for name in ("sicantik_mysql", "s3", "redis", "bsre"):
            self.assertIn(name, data["checks"])
        if os.environ.get("SICANTIK_MYSQL_URL"):
            self.assertEqual(
                data["checks"]["sicantik_mysql"]["detail"],
                "connected, read-only user",
            )

    def test_health_503_when_a_service_is_down(self):
        with patch.dict(
            os.environ,
            {
                "SICANTIK_REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0",
                "SICANTIK_S3_ENDPOINT": f"127.0.0.1:{_closed_port()}",
                "SICANTIK_S3_BUCKET": "any-bucket",
            },
        ):
            response = self.url_open("/sicantik/health")
        data = response.json()
        self.assertEqual(response.status_code, 503)
        self.assertEqual(data["status"], "error")
        self.assertFalse(data["checks"]["redis"]["ok"])
        self.assertFalse(data["checks"]["s3"]["ok"])
        self.assertNotIn("secret", response.text.lower())

    def test_public_sees_status_only(self):
        self.public()
        response = self.url_open("/sicantik/health")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok"})
        self.assertEqual(self.url_open("/sicantik/metrics").status_code, 404)
        self.assertEqual(self.url_open("/metrics").status_code, 404)

    def test_public_flood_probes_each_backend_once(self):
        """The attack: an anonymous client hammers the health endpoint while a
        backend is down, hoping for a connection per hit (and for the error
        text).  It gets one probe per cache period and a bare "unavailable"."""
        mysql = CountingListener()
        self.addCleanup(mysql.close)
        self.public(
            SICANTIK_MYSQL_URL=f"mysql://reader:pw@127.0.0.1:{mysql.port}/sicantik",
            SICANTIK_HEALTH_CACHE_SECONDS="300",
        )
        answers = [self.url_open("/sicantik/health") for _ in range(40)]
        self.assertEqual({r.status_code for r in answers}, {503})
        for response in answers:
            self.assertEqual(response.json(), {"status": "unavailable"})
            self.assertNotIn("Error", response.text)
        self.assertEqual(mysql.accepted, 1)

    def test_metrics_prometheus_format(self):
        response = self.url_open("/sicantik/metrics")
        self.assertEqual(response.status_code, 200)
        self.assertIn("text/plain", response.headers["Content-Type"])
        self.assertIn("# TYPE sicantik_service_up gauge", response.text)
        self.assertIn('sicantik_service_up{service="postgresql"} 1', response.text)


@tagged("post_install", "-at_install")
class TestHealthRpc(HttpCase):
    """``health_report`` and ``metrics_text`` probe every backend: over RPC
    only administrators may trigger that (the public endpoint is cached)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = make_role_users(cls.env)

    def call(self, login, method):
        self.authenticate(login, login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "sicantik.health",
                "method": method,
                "args": [],
                "kwargs": {"context": {"active_test": False}},
            },
        )

    def test_non_admins_cannot_trigger_probes(self):
        for role in ("user", "petugas", "pejabat", "auditor"):
            for method in ("health_report", "metrics_text"):
                with self.subTest(role=role, method=method):
                    with self.assertRaises(JsonRpcException) as caught:
                        self.call(f"sicantik_{role}", method)
                    self.assertIn("AccessError", str(caught.exception))

    def test_admin_may_probe(self):
        report = self.call("sicantik_admin", "health_report")
        self.assertIn(report["status"], ("ok", "error"))
        self.assertIn("postgresql", report["checks"])
        text = self.call("sicantik_admin", "metrics_text")
        self.assertIn("sicantik_service_up", text)

    def test_private_helpers_are_not_callable(self):
        for method in ("_cached_health_report", "_health_report", "_metrics_text"):
            with self.subTest(method=method):
                # Even an administrator: Odoo refuses private names outright.
                with self.assertRaises(JsonRpcException) as caught:
                    self.call("sicantik_admin", method)
                self.assertIn("AccessError", str(caught.exception))
