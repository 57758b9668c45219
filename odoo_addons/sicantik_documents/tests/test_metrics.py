import io
import os
import socket
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import DocumentsCase, pdf


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestDocumentMetrics(DocumentsCase):
    """``sicantik_documents{state=...}`` follows real uploads, outages, damage."""

    def counts(self):
        samples = {}
        for name, _kind, _help, value, labels in self.env["sicantik.health"]._metrics():
            if name == "sicantik_documents":
                samples[labels["state"]] = value
        return samples

    def test_states_counted(self):
        before = self.counts()
        for state in ("pending_upload", "stored", "missing", "altered"):
            self.assertIn(state, before)
        intact = self.upload(self.permits[0], pdf("metrics intact"))
        altered = self.upload(self.permits[1], pdf("metrics altered"))
        missing = self.store_signed(
            self.permits[2], pdf("metrics missing"), kind="signed"
        )
        down = f"127.0.0.1:{_closed_port()}"
        with (
            patch.dict(os.environ, {"SICANTIK_S3_ENDPOINT": down}),
            mute_logger("odoo.addons.sicantik_documents.models.sicantik_document"),
        ):
            pending = self.upload(self.permits[3], pdf("metrics pending"))
        self.assertEqual(pending.state, "pending_upload")
        s3 = self.store()
        forged = pdf("metrics forged")
        s3.client.put_object(
            s3.bucket, altered.object_key, io.BytesIO(forged), length=len(forged)
        )
        s3.delete(missing.object_key)
        (intact | altered | missing)._write_internal({"checked_at": False})
        self.env["sicantik.document"]._cron_check_integrity()
        self.assertEqual((altered.state, missing.state), ("altered", "missing"))
        after = self.counts()
        self.assertEqual(after["stored"], before["stored"] + 1)
        self.assertEqual(after["altered"], before["altered"] + 1)
        self.assertEqual(after["missing"], before["missing"] + 1)
        self.assertEqual(after["pending_upload"], before["pending_upload"] + 1)
        text = self.env["sicantik.health"].metrics_text()
        self.assertIn("# TYPE sicantik_documents gauge", text)
        self.assertIn(f'sicantik_documents{{state="stored"}} {after["stored"]}', text)
