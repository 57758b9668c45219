import io

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import DocumentsCase, pdf


@tagged("post_install", "-at_install")
class TestIntegrity(DocumentsCase):
    def test_cron_flags_altered_and_missing_objects(self):
        intact = self.upload(self.permits[0], pdf("intact"))
        altered = self.upload(self.permits[1], pdf("altered"))
        missing = self.store_signed(self.permits[2], pdf("missing"), kind="signed")
        docs = intact | altered | missing
        docs._write_internal({"checked_at": False})
        s3 = self.store()
        forged = pdf("forged!")
        s3.client.put_object(
            s3.bucket, altered.object_key, io.BytesIO(forged), length=len(forged)
        )
        s3.delete(missing.object_key)
        Document = self.env["sicantik.document"]
        result = Document._cron_check_integrity()
        self.assertGreaterEqual(result["done"], 3)
        self.assertEqual(intact.state, "stored")
        self.assertEqual(altered.state, "altered")
        self.assertEqual(missing.state, "missing")
        self.assertTrue(all(d.checked_at for d in docs))
        for doc in altered | missing:
            event = self.audit_events("document.integrity", doc)
            self.assertEqual(len(event), 1)
        self.assertFalse(self.audit_events("document.integrity", intact))
        # an altered version is not handed out any more
        with self.assertRaises(UserError):
            altered._stream()
