import hashlib
import os

from odoo.tests import tagged

from odoo.addons.sicantik_audit.tests.common import trap_audit

from .common import DocumentsCase, pdf


@tagged("post_install", "-at_install")
class TestFolderImport(DocumentsCase):
    def _tree(self):
        p0, p1, p2, p3 = self.permits
        wrong_folder = "assets/upload/syarat/999 PT Lain"
        files = {
            self.flat_path(p0): pdf("p0"),
            self.variant_path(p1): pdf("p1"),  # spaces in folder and file name
            self.flat_path(p2): b"",
            self.flat_path(p3): b"<!DOCTYPE html><html>Error 404</html>",
            "assets/upload/izin/0000000000000000.pdf": pdf("nobody"),
            "assets/upload/izin/catatan.docx": b"PK\x03\x04",
            f"{wrong_folder}/{p1.name} {p1.permit_type_id.name}.pdf": pdf("wrong"),
        }
        for rel, data in files.items():
            self.write_file(rel, data)
        outside = self.root.parent / f"{self.root.name}-secret.pdf"
        outside.write_bytes(pdf("secret"))
        self.addCleanup(outside.unlink)
        os.symlink(outside, self.root / "assets/upload/izin/link-out.pdf")
        return files

    def test_import_batches_quarantine_and_rescan(self):
        files = self._tree()
        before = {
            p: (os.lstat(p).st_mtime_ns, os.lstat(p).st_size)
            for p in self.root.rglob("*")
        }
        importer = self.env["sicantik.document.import"]
        with trap_audit(self.env) as trap:
            first = importer._import_batch(limit=3)
            self.assertEqual((first["done"], first["remaining"]), (3, 5))
            totals = self.import_all()
        self.assertEqual(totals["done"], 5)
        docs = self.env["sicantik.document"].search(
            [("permit_id", "in", self.permits.ids)]
        )
        self.assertEqual(len(docs), 2)
        self.assertEqual(set(docs.mapped("state")), {"stored"})
        for doc in docs:
            data = files[doc.source_path]
            self.assertEqual(doc.sha256, hashlib.sha256(data).hexdigest())
            self.assertEqual(
                (doc.kind, doc.version, doc.size), ("original", 1, len(data))
            )
            self.assertTrue(doc.encrypted)
            self.assertTrue(
                doc.object_key.startswith(
                    f"permits/{doc.permit_id.sicantik_id}/{doc.id}/v1/"
                )
            )
            self.assert_stored_bytes(doc)
        self.assertEqual(docs.permit_id, self.permits[:2])
        reasons = {
            q.path.rsplit("/", 1)[-1]: q.reason
            for q in self.env["sicantik.document.quarantine"].search(
                [("path", "like", "assets/upload/%")]
            )
        }
        p1, p2, p3 = self.permits[1:]
        self.assertEqual(
            reasons,
            {
                f"{p2.name}.pdf": "empty",
                f"{p3.name}.pdf": "not_pdf",
                "0000000000000000.pdf": "no_permit",
                "catatan.docx": "no_template",
                "link-out.pdf": "path_escape",
                f"{p1.name} {p1.permit_type_id.name}.pdf": "mismatch",
            },
        )
        quarantine = self.env["sicantik.document.quarantine"].search([])
        self.assertTrue(all(q.detail for q in quarantine))
        trap.assert_logged("document.import")
        trap.assert_logged("document.quarantine")

        # a second cycle changes nothing
        again = self.import_all()
        self.assertEqual((again["imported"], again["unchanged"]), (0, 2))
        self.assertEqual(
            self.env["sicantik.document"].search_count(
                [("permit_id", "in", self.permits.ids)]
            ),
            2,
        )
        after = {
            p: (os.lstat(p).st_mtime_ns, os.lstat(p).st_size)
            for p in self.root.rglob("*")
        }
        self.assertEqual(before, after, "the import never writes to the folder")

        # the office replaces one PDF and fixes the empty one
        self.write_file(self.flat_path(self.permits[0]), pdf("p0 corrected"))
        self.write_file(self.flat_path(p2), pdf("p2 scanned at last"))
        self.import_all()
        v2 = self.env["sicantik.document"].search(
            [("permit_id", "=", self.permits[0].id), ("version", "=", 2)]
        )
        self.assertEqual(v2.state, "stored")
        self.assertEqual(v2.sha256, hashlib.sha256(pdf("p0 corrected")).hexdigest())
        self.assertEqual(
            self.env["sicantik.document"].search_count([("permit_id", "=", p2.id)]), 1
        )
        resolved = (
            self.env["sicantik.document.quarantine"]
            .with_context(active_test=False)
            .search([("path", "=", self.flat_path(p2))])
        )
        self.assertFalse(resolved.active, "fixed file leaves the quarantine")

    def test_cron_reports_progress(self):
        self._tree()
        cron = self.env.ref("sicantik_documents.ir_cron_sicantik_document_import")
        self.env["ir.config_parameter"].sudo().set_param(
            "sicantik_documents.import_cursor", ""
        )
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": cron.id, "remaining": 0, "done": 0}
        )
        with self.patch_batch("2"):
            result = (
                self.env["sicantik.document.import"]
                .with_context(ir_cron_progress_id=progress.id)
                ._cron_import_folder()
            )
        self.assertEqual((result["done"], result["remaining"]), (2, 6))
        self.assertEqual((progress.done, progress.remaining), (2, 6))
        cursor = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("sicantik_documents.import_cursor")
        )
        self.assertTrue(cursor.startswith("assets/upload/"))

    def patch_batch(self, value):
        from unittest.mock import patch

        return patch.dict(os.environ, {"SICANTIK_DOC_IMPORT_BATCH": value})
