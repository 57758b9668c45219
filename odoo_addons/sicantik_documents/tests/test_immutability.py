import psycopg2

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import DocumentsCase, pdf


@tagged("post_install", "-at_install")
class TestImmutability(DocumentsCase):
    def test_stored_version_cannot_change_or_be_deleted(self):
        doc = self.upload(self.permits[0], pdf("immutable"))
        self.assertEqual(doc.state, "stored")
        changes = {
            "sha256": "0" * 64,
            "object_key": "permits/x.pdf",
            "version": 7,
            "size": 1,
            "kind": "signed",
            "permit_id": self.permits[1].id,
        }
        for field, value in changes.items():
            # outside the private path, even in superuser mode: refused
            with self.assertRaises(AccessError, msg=field):
                doc.sudo().write({field: value})
            # our own code path cannot rewrite a stored version either
            with self.assertRaises(UserError, msg=field):
                doc._write_internal({field: value})
        with self.assertRaises(UserError):
            doc.sudo().unlink()
        # state changes (integrity, quarantine) stay possible for our code
        doc._write_internal({"state": "altered"})
        self.assertEqual(doc.state, "altered")

    def test_new_content_is_a_new_version(self):
        permit = self.permits[0]
        v1 = self.upload(permit, pdf("one"))
        v2 = self.upload(permit, pdf("two"))
        self.assertEqual((v1.version, v2.version), (1, 2))
        self.assertNotEqual(v1.object_key, v2.object_key)
        self.assert_stored_bytes(v1)
        with self.assertRaisesRegex(UserError, "already stored"):
            self.upload(permit, pdf("one"))

    def test_names_are_in_the_office_language(self):
        """Stored names are read by every officer: Bahasa Indonesia once it is
        installed, whoever (an English-speaking cron) created the version."""
        self.env["res.lang"]._activate_lang("id_ID")
        self.env["ir.module.module"].search(
            [("name", "=", "sicantik_documents")]
        )._load_module_terms(["sicantik_documents"], ["id_ID"], overwrite=True)
        permit = self.permits[0]
        doc = self.upload(permit, pdf("named"))
        self.assertEqual(doc.name, f"{permit.name} Asli v1")

    def test_unique_permit_kind_version(self):
        doc = self.upload(self.permits[0], pdf("uniq"))
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
            with self.env.cr.savepoint():
                self.env["sicantik.document"]._create_internal(
                    {"permit_id": doc.permit_id.id, "kind": "original", "version": 1}
                )

    def test_wizard_refuses_what_the_import_refuses(self):
        permit = self.permits[0]
        for data, message in (
            (b"", "empty"),
            (b"<html>not a pdf</html>", "not a PDF"),
        ):
            with self.assertRaisesRegex(UserError, message):
                self.upload(permit, data)
        from unittest.mock import patch

        with patch.dict("os.environ", {"SICANTIK_DOC_MAX_SIZE_MB": "1"}):
            with self.assertRaisesRegex(UserError, "larger than"):
                self.upload(permit, pdf("x") + b"0" * (1024 * 1024 + 1))
