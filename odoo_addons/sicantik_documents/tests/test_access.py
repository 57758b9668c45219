from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import DocumentsCase, pdf


@tagged("post_install", "-at_install")
class TestAccess(DocumentsCase):
    def _docs(self):
        visible = self.upload(self.permits[0], pdf("visible"))
        hidden = self.upload(self.permits[1], pdf("hidden"))
        hidden.with_user(self.users["admin"]).action_quarantine()
        return visible, hidden

    def test_state_buttons_are_for_administrators(self):
        doc = self.upload(self.permits[0], pdf("buttons"))
        for role in ("petugas", "auditor"):
            for action in (
                "action_quarantine",
                "action_check_integrity",
                "action_retry_upload",
            ):
                with self.assertRaises(AccessError, msg=(role, action)):
                    getattr(doc.with_user(self.users[role]), action)()
        self.assertEqual(doc.state, "stored")
        doc.with_user(self.users["admin"]).action_check_integrity()
        doc.with_user(self.users["admin"]).action_quarantine()
        self.assertEqual(doc.state, "quarantined")
        self.assertTrue(self.audit_events("document.quarantine", doc))

    def test_officer_sees_documents_in_circulation_only(self):
        visible, hidden = self._docs()
        Doc = self.env["sicantik.document"].with_user(self.users["petugas"])
        found = Doc.search([("id", "in", (visible | hidden).ids)])
        self.assertEqual(found, visible)
        with self.assertRaises(AccessError):
            hidden.with_user(self.users["petugas"]).read(["sha256"])
        with self.assertRaises(AccessError):
            visible.with_user(self.users["petugas"]).write({"state": "missing"})

    def test_admin_and_auditor_see_everything(self):
        visible, hidden = self._docs()
        for role in ("admin", "auditor"):
            Doc = self.env["sicantik.document"].with_user(self.users[role])
            self.assertEqual(
                Doc.search([("id", "in", (visible | hidden).ids)]), visible | hidden
            )
        with self.assertRaises(AccessError):
            visible.with_user(self.users["auditor"]).write({"state": "missing"})

    def test_users_without_role_and_public_see_nothing(self):
        visible, _hidden = self._docs()
        for role in ("user", "public"):
            with self.assertRaises(AccessError, msg=role):
                self.env["sicantik.document"].with_user(self.users[role]).search([])
            with self.assertRaises(AccessError, msg=role):
                visible.with_user(self.users[role]).read(["object_key"])
            with self.assertRaises(AccessError, msg=role):
                self.env["sicantik.document.quarantine"].with_user(
                    self.users[role]
                ).search([])

    def test_officer_upload_audited(self):
        doc = self.upload(self.permits[0], pdf("audited"))
        self.assertEqual(doc.uploaded_by_id, self.users["petugas"])
        self.assertTrue(self.audit_events("document.import", doc))
