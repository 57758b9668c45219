import hashlib
import io
import os
from unittest.mock import patch

from odoo.tests import tagged

from ..lib import crypto
from ..models import services
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

    def _pending_signed(self, data, name):
        attachment = (
            self.env["ir.attachment"].sudo().create({"name": name, "raw": data})
        )
        return (
            self.env["sicantik.document"]
            .sudo()
            .create(
                {
                    "permit_id": self.permits[1].id,
                    "kind": "signed",
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                    "filename": name,
                    "origin": "upload",
                    "temp_attachment_id": attachment.id,
                }
            )
        )

    def _put_encrypted(self, key, data):
        reader = crypto.EncryptingReader(io.BytesIO(data), services.get_keyring())
        self.store().put(
            key,
            reader,
            content_type="application/octet-stream",
            metadata={"sicantik-key-id": reader.key_id},
        )

    def test_interrupted_encrypted_upload_is_adopted(self):
        """A crash between the upload and the commit leaves the encrypted
        object under the version's key: the retry decrypts it, checks it is
        this content and adopts it, instead of failing on "already exists"."""
        data = pdf("interrupted") + b"signed " * 500
        doc = self._pending_signed(data, "interrupted.pdf")
        self.assertEqual(doc.state, "pending_upload")
        self._put_encrypted(doc._object_target()[0], data)
        self.assertTrue(doc._retry_upload({}))
        self.assertEqual(
            (doc.state, doc.encrypted, doc.key_id), ("stored", True, "test-2026")
        )
        self.assertEqual(b"".join(doc._stream()), data)

    def test_foreign_object_under_the_key_is_reported_not_adopted(self):
        data = pdf("ours")
        doc = self._pending_signed(data, "ours.pdf")
        key = doc._object_target()[0]
        self._put_encrypted(key, pdf("somebody else's"))
        self.assertFalse(doc._retry_upload({}))
        self.assertEqual(doc.state, "pending_upload")
        self.assertIn("already stored under this key", doc.last_error)
        self.assertEqual(doc.upload_attempts, 1)
