import hashlib
import os
import shutil
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .common import DocumentsCase, pdf, start_private_s3


@tagged("post_install", "-at_install")
class TestS3Outage(DocumentsCase):
    """S3 stops in the middle of an import; nothing is lost, all is retried."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = start_private_s3()
        cls.addClassCleanup(shutil.rmtree, cls.s3.workdir_to_clean, True)
        cls.addClassCleanup(cls.s3.stop)
        cls.s3_patch = patch.dict(os.environ, cls.s3.env())
        cls.s3_patch.start()
        cls.addClassCleanup(cls.s3_patch.stop)

    def setUp(self):
        super().setUp()
        # documents left pending by earlier runs on this database must not
        # take the retry cron's batch
        self.env["sicantik.document"].search(
            [("state", "=", "pending_upload")]
        )._write_internal({"next_retry_at": "2999-01-01 00:00:00"})

    def _due_now(self, docs):
        docs._write_internal(
            {"next_retry_at": fields.Datetime.now() - timedelta(seconds=1)}
        )

    def test_outage_mid_import_then_retry(self):
        files = {self.flat_path(p): pdf(f"outage {p.id}") for p in self.permits[:3]}
        for rel, data in files.items():
            self.write_file(rel, data)
        importer = self.env["sicantik.document.import"]
        first = importer._import_batch(limit=1)
        self.assertEqual(first["imported"], 1)

        self.s3.stop()  # S3 goes down between two batches
        second = importer._import_batch(limit=10)
        self.assertEqual((second["imported"], second["pending"]), (0, 2))
        self.assertEqual(second["quarantined"], 0)
        docs = self.env["sicantik.document"].search(
            [("permit_id", "in", self.permits.ids)]
        )
        pending = docs.filtered(lambda d: d.state == "pending_upload")
        self.assertEqual(len(pending), 2)
        for doc in pending:
            # only the path and the hash are kept, never the bytes
            self.assertTrue(doc.source_path and doc.sha256)
            self.assertFalse(doc.temp_attachment_id)
            self.assertFalse(doc.object_key)
            self.assertTrue(doc.last_error)
            self.assertGreater(doc.next_retry_at, fields.Datetime.now())
        wizard_doc = self.upload(self.permits[3], pdf("typed in during outage"))
        self.assertEqual(wizard_doc.state, "pending_upload")
        self.assertTrue(wizard_doc.temp_attachment_id.store_fname, "kept in filestore")
        pending |= wizard_doc

        # the retry cron while S3 is still down: postponed with backoff
        self._due_now(pending)
        result = self.env["sicantik.document"]._cron_retry_uploads()
        self.assertEqual(result["stored"], 0)
        self.assertEqual(result["remaining"], 0)
        self.assertTrue(all(d.upload_attempts == 2 for d in pending - wizard_doc))
        self.assertTrue(all(d.next_retry_at > fields.Datetime.now() for d in pending))

        self.s3.start()  # S3 is back
        self._due_now(pending)
        result = self.env["sicantik.document"]._cron_retry_uploads()
        self.assertEqual(result["stored"], 3)
        self.assertEqual(set(pending.mapped("state")), {"stored"})
        self.assertFalse(wizard_doc.temp_attachment_id)
        for doc in pending:
            self.assert_stored_bytes(doc)
        self.assertEqual(
            wizard_doc.sha256, hashlib.sha256(pdf("typed in during outage")).hexdigest()
        )
        # and the next scan sees nothing new
        again = self.import_all()
        self.assertEqual((again["imported"], again["pending"]), (0, 0))

    def test_source_changed_before_retry(self):
        rel = self.flat_path(self.permits[0])
        self.write_file(rel, pdf("before"))
        self.s3.stop()
        try:
            self.env["sicantik.document.import"]._import_batch()
        finally:
            self.s3.start()
        doc = self.env["sicantik.document"].search(
            [("permit_id", "=", self.permits[0].id)]
        )
        self.assertEqual(doc.state, "pending_upload")
        self.write_file(rel, pdf("after"))
        self._due_now(doc)
        self.env["sicantik.document"]._cron_retry_uploads()
        self.assertEqual(doc.state, "missing")
        self.assertIn("changed", doc.last_error)
        self.import_all()
        v2 = self.env["sicantik.document"].search(
            [("permit_id", "=", self.permits[0].id), ("version", "=", 2)]
        )
        self.assertEqual(v2.state, "stored")

    def test_unmounted_folder_is_an_outage_not_a_loss(self):
        data = pdf("mounted later")
        rel = self.flat_path(self.permits[0])
        self.write_file(rel, data)
        doc = self.env["sicantik.document"]._create_internal(
            {
                "permit_id": self.permits[0].id,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "source_path": rel,
            }
        )
        self._due_now(doc)
        gone = str(self.root) + "-not-mounted"
        with patch.dict(os.environ, {"SICANTIK_UPLOAD_ROOT": gone}):
            self.env["sicantik.document"]._cron_retry_uploads()
        self.assertEqual(doc.state, "pending_upload")
        self.assertIn("not mounted", doc.last_error)
        self._due_now(doc)
        self.env["sicantik.document"]._cron_retry_uploads()
        self.assertEqual(doc.state, "stored")
        self.assert_stored_bytes(doc)
