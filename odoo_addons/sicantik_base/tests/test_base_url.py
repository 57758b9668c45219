import os
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestPinnedParameters(TransactionCase):
    """The stack pins web.base.url to its public HTTPS URL and attachments to
    PostgreSQL (issue #13)."""

    def env_patch(self, **values):
        patcher = patch.dict(os.environ, values)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_frozen_to_public_url(self):
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param("web.base.url", "http://odoo_companion:8069")
        self.env_patch(
            SICANTIK_FREEZE_BASE_URL="True",
            SICANTIK_PUBLIC_BASE_URL="https://izin.example.go.id:8443/",
        )
        self.assertEqual(
            icp.get_param("web.base.url"), "https://izin.example.go.id:8443"
        )
        self.assertTrue(icp.get_param("web.base.url.freeze"))
        self.assertEqual(
            self.env["res.users"].browse(self.env.uid).get_base_url(),
            "https://izin.example.go.id:8443",
        )

    def test_database_value_without_the_setting(self):
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param("web.base.url", "http://localhost:8069")
        self.env_patch(SICANTIK_FREEZE_BASE_URL="False")
        self.assertEqual(icp.get_param("web.base.url"), "http://localhost:8069")

    def test_attachments_in_database_when_pinned(self):
        self.env_patch(SICANTIK_ATTACHMENT_LOCATION="db")
        attachment = self.env["ir.attachment"].create(
            {"name": "pinned.txt", "raw": b"stored in PostgreSQL"}
        )
        self.assertFalse(attachment.store_fname)
        self.assertEqual(attachment.db_datas, b"stored in PostgreSQL")
        self.assertEqual(attachment.raw, b"stored in PostgreSQL")

    def test_existing_attachments_move_to_the_pinned_storage(self):
        """What the install hook and the 18.0.1.1.0 migration do."""
        self.env_patch(SICANTIK_ATTACHMENT_LOCATION="file")
        attachment = self.env["ir.attachment"].create(
            {"name": "old.txt", "raw": b"made on one replica's disk"}
        )
        self.assertTrue(attachment.store_fname)
        self.env_patch(SICANTIK_ATTACHMENT_LOCATION="db")
        self.assertGreaterEqual(self.env["ir.attachment"]._move_to_pinned_storage(), 1)
        attachment.invalidate_recordset()
        self.assertFalse(attachment.store_fname)
        self.assertEqual(attachment.db_datas, b"made on one replica's disk")
