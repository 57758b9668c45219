import os
import socket
from unittest.mock import patch

from odoo.tests import HttpCase, tagged


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestHealth(HttpCase):
    """The health endpoint probes the real services the test harness started."""

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

    def test_metrics_prometheus_format(self):
        response = self.url_open("/sicantik/metrics")
        self.assertEqual(response.status_code, 200)
        self.assertIn("text/plain", response.headers["Content-Type"])
        self.assertIn("# TYPE sicantik_service_up gauge", response.text)
        self.assertIn('sicantik_service_up{service="postgresql"} 1', response.text)
