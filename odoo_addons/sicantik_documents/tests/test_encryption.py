import hashlib
import os
from unittest.mock import patch

from odoo.tests import tagged

from ..lib import crypto
from .common import DocumentsCase, pdf


@tagged("post_install", "-at_install")
class TestEncryptionAtRest(DocumentsCase):
    def test_signed_versions_are_encrypted_in_s3(self):
        data = pdf("signed") + b"NIK 3201234567890001 " * 1000
        doc = self.upload(self.permits[0], data, kind="signed")
        self.assertEqual(doc.state, "stored")
        self.assertTrue(doc.encrypted)
        self.assertEqual(doc.key_id, "test-2026")
        self.assertEqual(doc.sha256, hashlib.sha256(data).hexdigest())
        raw = b"".join(self.store().iter_chunks(doc.object_key))
        self.assertNotEqual(raw, data)
        self.assertNotIn(b"NIK 3201", raw)
        self.assertFalse(raw.startswith(b"%PDF"))
        self.assertEqual(crypto.key_id_of(raw), "test-2026")
        self.assertEqual(doc.object_sha256, hashlib.sha256(raw).hexdigest())
        self.assertEqual(b"".join(doc._stream()), data)

    def test_original_versions_stay_plain(self):
        doc = self.upload(self.permits[0], pdf("original"))
        self.assertFalse(doc.encrypted)
        self.assertEqual(
            b"".join(self.store().iter_chunks(doc.object_key)), pdf("original")
        )

    def test_rotation_and_wrong_key(self):
        doc = self.upload(self.permits[0], pdf("rotate"), kind="resigned")
        old_key = os.environ["SICANTIK_DOC_KEY"]
        rotated = {
            "SICANTIK_DOC_KEY": crypto.generate_key(),
            "SICANTIK_DOC_KEY_ID": "test-2027",
            "SICANTIK_DOC_KEYS": f"test-2026:{old_key}",
        }
        with patch.dict(os.environ, rotated):
            self.assertEqual(b"".join(doc._stream()), pdf("rotate"))
            new = self.upload(self.permits[0], pdf("rotate 2"), kind="resigned")
            self.assertEqual(new.key_id, "test-2027")
        wrong = {"SICANTIK_DOC_KEY": crypto.generate_key()}
        with patch.dict(os.environ, wrong), self.assertRaises(crypto.DecryptionError):
            b"".join(doc._stream())
