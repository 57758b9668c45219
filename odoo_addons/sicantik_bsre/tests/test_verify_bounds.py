"""The public upload routes against hostile clients and hostile files.

Each test is the attack an anonymous visitor can make: announce a huge body,
stream one without a length, upload a flate bomb or a PDF with 500 signature
fields.  The worker must answer 4xx with an Indonesian message, keep its
memory, and serve the next visitor normally.
"""

import os
import resource
import socket
import time
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.tests import tagged

from .common import BsreCase
from .hostile_pdf import flate_bomb, with_signature_fields

TOO_COMPLEX = "terlalu rumit"


def rss_bytes():
    """Current resident memory of this process (the test server's too)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@tagged("post_install", "-at_install")
class TestVerifyBounds(BsreCase):
    def setUp(self):
        super().setUp()
        self.request = self.make_request()
        self.sign(self.request)
        self.token = self.request.sudo().verification_token
        self.signed = self.signed_bytes(self.request)

    def upload(self, data, path="/api/verify"):
        return self.url_open(
            path, files={"file": ("izin.pdf", data, "application/pdf")}
        )

    def assertServesNormally(self):
        good = self.upload(self.signed)
        self.assertEqual(good.status_code, 200)
        self.assertTrue(good.json()["signature"]["valid"])

    def raw_post(self, head, body_part):
        """Send request headers and only part of the body.

        Returns the answer and the seconds until its first byte: the server
        must answer without waiting for the rest of the body.  (Werkzeug then
        drains what the client still sends, in bounded chunks, so that the
        client reads the 413 instead of a connection reset.)
        """
        url = urlsplit(self.base_url())
        with socket.create_connection((url.hostname, url.port), timeout=20) as sock:
            started = time.monotonic()
            sock.sendall(head + body_part)
            chunks = []
            first = None
            while True:
                try:
                    chunk = sock.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                if first is None:
                    first = time.monotonic() - started
                chunks.append(chunk)
        return b"".join(chunks), first

    def test_announced_huge_body_is_refused_unread(self):
        """Content-Length of 1 GiB, 64 KiB sent: the answer comes at once (the
        server waits for nothing more), 413 with our message."""
        for path in ("/api/verify", f"/verify/{self.token}"):
            with self.subTest(path=path):
                head = (
                    f"POST {path} HTTP/1.1\r\nHost: localhost\r\n"
                    "Content-Type: multipart/form-data; boundary=x\r\n"
                    f"Content-Length: {1024**3}\r\n\r\n"
                ).encode()
                answer, first = self.raw_post(head, b"--x\r\n" + b"0" * 65536)
                status_line = answer.split(b"\r\n", 1)[0]
                self.assertIn(b" 413 ", status_line)
                self.assertIn(b"Berkas terlalu besar", answer)
                self.assertLess(first, 3)
        self.assertServesNormally()

    def test_body_without_length_is_refused(self):
        """Chunked transfer encoding: no length to check, so no reading."""
        head = (
            b"POST /api/verify HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/pdf\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        answer, first = self.raw_post(head, b"10000\r\n" + b"0" * 65536 + b"\r\n")
        self.assertIn(b" 413 ", answer.split(b"\r\n", 1)[0])
        self.assertLess(first, 3)
        self.assertIn(b"ukurannya tidak diketahui", answer)
        self.assertServesNormally()

    def test_flate_bomb(self):
        bomb = flate_bomb(1)  # 2 KB on the wire, 1 GiB inflated
        rss, peak = rss_bytes(), peak_rss_bytes()
        api = self.upload(bomb)
        self.assertEqual(api.status_code, 422)
        self.assertIn(TOO_COMPLEX, api.json()["error"])
        page = self.upload(bomb, f"/verify/{self.token}")
        self.assertEqual(page.status_code, 422)
        self.assertIn(TOO_COMPLEX, page.text)
        self.assertLess(rss_bytes() - rss, 100 * 1024 * 1024)
        self.assertLess(peak_rss_bytes() - peak, 256 * 1024 * 1024)
        self.assertServesNormally()

    def test_500_signature_fields(self):
        hostile = with_signature_fields(self.signed, 500)
        rss = rss_bytes()
        api = self.upload(hostile)
        self.assertEqual(api.status_code, 422)
        self.assertIn(TOO_COMPLEX, api.json()["error"])
        page = self.upload(hostile, f"/verify/{self.token}")
        self.assertEqual(page.status_code, 422)
        self.assertIn(TOO_COMPLEX, page.text)
        self.assertLess(rss_bytes() - rss, 100 * 1024 * 1024)
        self.assertServesNormally()

    def test_no_salt_no_service(self):
        """Without ``verify_salt`` the visitor keys would fall back to a
        database secret: the routes refuse instead."""
        log = "odoo.addons.sicantik_bsre.controllers.main"
        with (
            patch.dict(os.environ, {"SICANTIK_VERIFY_SALT": ""}),
            self.assertLogs(log, "ERROR") as logs,
        ):
            for path in (f"/api/verify/{self.token}", f"/verify/{self.token}"):
                self.assertEqual(self.url_open(path).status_code, 503)
            self.assertEqual(self.upload(self.signed).status_code, 503)
        self.assertIn("sicantik_verify_salt is not set", logs.output[0])
        self.assertServesNormally()
