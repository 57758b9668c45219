import hashlib
import os
from unittest.mock import patch

import requests

from odoo.tests import HttpCase, tagged

from .common import DocumentsCase, pdf


@tagged("post_install", "-at_install")
class TestDownload(HttpCase, DocumentsCase):
    def _login(self, role):
        user = self.users[role]
        user.password = f"docs-{role}-pw"
        self.authenticate(user.login, f"docs-{role}-pw")

    def test_officer_download_streams_and_audits(self):
        data = pdf("download") + b"x" * 3_000_000
        doc = self.upload(self.permits[0], data, filename="SK 503/0001.pdf")
        self._login("petugas")
        res = self.url_open(f"/sicantik/document/{doc.id}/download", timeout=60)
        self.assertEqual(res.status_code, 200)
        self.assertEqual(hashlib.sha256(res.content).hexdigest(), doc.sha256)
        self.assertIn("attachment", res.headers["Content-Disposition"])
        self.assertEqual(res.headers["Content-Type"], "application/pdf")
        events = self.audit_events("document.download", doc)
        self.assertEqual(len(events), 1)
        self.assertEqual(events.actor_login, self.users["petugas"].login)
        inline = self.url_open(f"/sicantik/document/{doc.id}/download?inline=1")
        self.assertTrue(inline.headers["Content-Disposition"].startswith("inline"))
        self.assertEqual(len(self.audit_events("document.download", doc)), 2)

    def test_imported_original_is_ciphertext_in_s3_and_plain_to_the_officer(self):
        nik = b"3201234567890001"
        data = pdf("imported original") + b"NIK " + nik + b" Jl. Merdeka 17\n"
        self.write_file(self.flat_path(self.permits[0]), data)
        self.assertEqual(self.import_all()["imported"], 1)
        doc = self.env["sicantik.document"].search(
            [("permit_id", "=", self.permits[0].id), ("origin", "=", "folder")]
        )
        raw = b"".join(self.store().iter_chunks(doc.object_key))
        self.assertTrue(doc.encrypted)
        self.assertNotEqual(raw, data)
        self.assertNotIn(nik, raw)
        self._login("petugas")
        res = self.url_open(f"/sicantik/document/{doc.id}/download")
        self.assertEqual(res.status_code, 200)
        self.assertEqual(hashlib.sha256(res.content).hexdigest(), doc.sha256)
        self.assertEqual(res.content, data)

    def test_signed_version_is_decrypted_for_the_officer(self):
        data = pdf("signed download")
        doc = self.store_signed(self.permits[0], data, kind="signed")
        self.assertTrue(doc.encrypted)
        self._login("petugas")
        res = self.url_open(f"/sicantik/document/{doc.id}/download")
        self.assertEqual(res.content, data)

    def test_no_access_no_content(self):
        doc = self.upload(self.permits[0], pdf("secret"))
        hidden = self.upload(self.permits[1], pdf("quarantined"))
        hidden.with_user(self.users["admin"]).action_quarantine()
        url = f"/sicantik/document/{doc.id}/download"
        # the public is sent to the login page, never the file
        res = self.url_open(url, allow_redirects=False)
        self.assertIn(res.status_code, (302, 303))
        self.assertIn("/web/login", res.headers["Location"])
        self._login("user")
        self.assertEqual(self.url_open(url).status_code, 404)
        self._login("petugas")
        self.assertEqual(
            self.url_open(f"/sicantik/document/{hidden.id}/download").status_code, 404
        )
        self.assertEqual(
            self.url_open("/sicantik/document/999999999/download").status_code, 404
        )
        self.assertFalse(self.audit_events("document.download", doc))

    def test_large_unencrypted_file_may_use_a_presigned_link(self):
        data = pdf("presigned")
        # only plaintext objects (stored before every version was encrypted)
        doc = self.store_plaintext(self.permits[0], data)
        signed = self.store_signed(
            self.permits[0], pdf("never presigned"), kind="signed"
        )
        self._login("petugas")
        with patch.dict(os.environ, {"SICANTIK_DOC_PRESIGN_MIN_MB": "0"}):
            res = self.url_open(
                f"/sicantik/document/{doc.id}/download?direct=1", allow_redirects=False
            )
            self.assertEqual(res.status_code, 303)
            link = res.headers["Location"]
            self.assertIn("X-Amz-Signature", link)
            self.assertIn("X-Amz-Expires=300", link)
            self.assertEqual(requests.get(link, timeout=10).content, data)
            event = self.audit_events("document.download", doc)
            self.assertIn("presigned", event.details)
            # encrypted versions are always streamed (decrypted) by Odoo
            res = self.url_open(
                f"/sicantik/document/{signed.id}/download?direct=1",
                allow_redirects=False,
            )
            self.assertEqual(res.status_code, 200)
