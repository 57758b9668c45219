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
        doc = self.store_signed(self.permits[0], data, kind="signed")
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

    def test_imported_original_is_encrypted_at_rest(self):
        """Originals carry the holder's NIK and address: the object in S3 is
        ciphertext, the record keeps the plaintext hash and the key id."""
        data = pdf("original") + b"NIK 3201234567890001 Jl. Merdeka 17 " * 500
        self.write_file(self.flat_path(self.permits[0]), data)
        totals = self.import_all()
        self.assertEqual(totals["imported"], 1)
        doc = self.env["sicantik.document"].search(
            [("permit_id", "=", self.permits[0].id), ("origin", "=", "folder")]
        )
        self.assertEqual((doc.state, doc.kind), ("stored", "original"))
        self.assertEqual((doc.encrypted, doc.key_id), (True, "test-2026"))
        raw = b"".join(self.store().iter_chunks(doc.object_key))
        self.assertNotEqual(raw, data)
        self.assertNotIn(b"3201234567890001", raw)
        self.assertNotIn(b"Merdeka", raw)
        self.assertFalse(raw.startswith(b"%PDF"))
        self.assertEqual(doc.object_sha256, hashlib.sha256(raw).hexdigest())
        plain = b"".join(doc._stream())
        self.assertEqual(hashlib.sha256(plain).hexdigest(), doc.sha256)
        self.assertEqual(plain, data)
        # the integrity cron re-hashes the ciphertext, no key needed
        self.assertFalse(doc._check_integrity())
        self.assertEqual(doc.state, "stored")

    def test_uploaded_original_is_encrypted(self):
        doc = self.upload(self.permits[0], pdf("uploaded original"))
        self.assertTrue(doc.encrypted)
        raw = b"".join(self.store().iter_chunks(doc.object_key))
        self.assertNotIn(b"uploaded original", raw)
        self.assertEqual(b"".join(doc._stream()), pdf("uploaded original"))

    def test_plaintext_objects_of_before_stay_readable(self):
        """Versions stored in plaintext before originals were encrypted are
        still served and checked as they are."""
        data = pdf("legacy plaintext")
        doc = self.store_plaintext(self.permits[0], data)
        self.assertFalse(doc.encrypted)
        self.assertEqual(b"".join(self.store().iter_chunks(doc.object_key)), data)
        self.assertEqual(b"".join(doc._stream()), data)
        self.assertFalse(doc._check_integrity())
        self.assertEqual(doc.state, "stored")

    def test_no_key_means_waiting_not_plaintext(self):
        """Without a configured key nothing is stored in clear: the version
        waits for the retry cron, as during an S3 outage."""
        self.write_file(self.flat_path(self.permits[1]), pdf("no key yet"))
        with patch.dict(os.environ, {"SICANTIK_DOC_KEY": ""}):
            totals = self.import_all()
        self.assertEqual(totals["pending"], 1)
        doc = self.env["sicantik.document"].search(
            [("permit_id", "=", self.permits[1].id)]
        )
        self.assertEqual(doc.state, "pending_upload")
        self.assertFalse(doc.object_key)
        self.assertIn("key", doc.last_error)

    def test_rotation_and_wrong_key(self):
        doc = self.store_signed(self.permits[0], pdf("rotate"), kind="resigned")
        old_key = os.environ["SICANTIK_DOC_KEY"]
        rotated = {
            "SICANTIK_DOC_KEY": crypto.generate_key(),
            "SICANTIK_DOC_KEY_ID": "test-2027",
            "SICANTIK_DOC_KEYS": f"test-2026:{old_key}",
        }
        with patch.dict(os.environ, rotated):
            self.assertEqual(b"".join(doc._stream()), pdf("rotate"))
            new = self.store_signed(self.permits[0], pdf("rotate 2"), kind="resigned")
            self.assertEqual(new.key_id, "test-2027")
        wrong = {"SICANTIK_DOC_KEY": crypto.generate_key()}
        with patch.dict(os.environ, wrong), self.assertRaises(crypto.DecryptionError):
            b"".join(doc._stream())

    def _pending_signed(self, data, name):
        attachment = (
            self.env["ir.attachment"].sudo().create({"name": name, "raw": data})
        )
        return self.env["sicantik.document"]._create_internal(
            {
                "permit_id": self.permits[1].id,
                "kind": "signed",
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "filename": name,
                "origin": "signing",
                "temp_attachment_id": attachment.id,
            }
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
