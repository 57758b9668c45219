import os
import unittest
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

from sandbox.sicantik.admin import connect

from ..lib import crypto
from ..lib.scanner import PDF_MAGIC
from .common import s3_configured


def expected_files(url, database):
    """Rows of the generator's ``zz_sim_expected_file`` (path per permit)."""
    conn = connect(url, database=database, connect_timeout=10)
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT tmpermohonan_id, relative_path, layout FROM zz_sim_expected_file"
        )
        return cur.fetchall()


@tagged("post_install", "-at_install")
class TestGeneratedUploadTree(TransactionCase):
    """The harness's generated SICANTIK (MySQL + upload folder), end to end.

    The sync mirrors the sandbox database, then the import reads the upload
    folder the generator wrote in both default layouts (with its dirty files):
    every readable PDF of a mirrored permit must be stored against that very
    permit, every broken file quarantined with its reason.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        root = os.environ.get("SICANTIK_UPLOAD_ROOT")
        url = os.environ.get("SICANTIK_MYSQL_ADMIN_URL")
        database = os.environ.get("SICANTIK_MYSQL_DATABASE")
        if not (root and os.path.isdir(root) and url and database):
            raise unittest.SkipTest("no generated SICANTIK sandbox exported")
        if not s3_configured():
            raise unittest.SkipTest("SICANTIK_S3_* not set")
        cls.root = root
        cls.rows = expected_files(url, database)
        if not cls.rows:
            raise unittest.SkipTest("the sandbox wrote no files")

    def test_sync_then_import_matches_the_generator(self):
        self.env["sicantik.sync"].run_cycle(kind="sync", commit=False)
        self.env["ir.config_parameter"].sudo().set_param(
            "sicantik_documents.import_cursor", ""
        )
        settings = {
            "SICANTIK_DOC_IMPORT_BATCH": "50",
            # every version is encrypted at rest: without a key none is stored
            "SICANTIK_DOC_KEY": os.environ.get("SICANTIK_DOC_KEY")
            or crypto.generate_key(),
        }
        with patch.dict(os.environ, settings):
            totals = self.env["sicantik.document.import"]._import_cycle()
        self.assertGreater(totals["imported"], 0)
        docs = {
            d.source_path: d
            for d in self.env["sicantik.document"].search([("origin", "=", "folder")])
        }
        quarantine = {
            q.path: q for q in self.env["sicantik.document.quarantine"].search([])
        }
        mirrored = set(self.env["sicantik.permit"].search([]).mapped("sicantik_id"))
        checked = 0
        for permit_sid, rel, _layout in self.rows:
            path = os.path.join(self.root, *rel.split("/"))
            if not os.path.exists(path):
                continue
            with open(path, "rb") as fh:
                head = fh.read(5)
            if head == PDF_MAGIC and permit_sid in mirrored:
                doc = docs.get(rel)
                self.assertTrue(doc, f"{rel} was not imported")
                self.assertEqual(doc.permit_id.sicantik_id, permit_sid, rel)
                self.assertEqual(doc.state, "stored")
                checked += 1
            else:
                self.assertIn(rel, quarantine, f"{rel} should be quarantined")
                expected = (
                    "empty" if not head else "not_pdf" if head != PDF_MAGIC else None
                )
                if expected:
                    self.assertEqual(quarantine[rel].reason, expected, rel)
        self.assertGreater(checked, len(self.rows) // 2)
