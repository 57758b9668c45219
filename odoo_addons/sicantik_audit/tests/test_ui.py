import base64
import csv
import io

from odoo.tests import TransactionCase, tagged

from odoo.addons.sicantik_base.tests.common import make_role_users

from ..lib import chain


@tagged("post_install", "-at_install")
class TestAuditorUi(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = make_role_users(cls.env)
        cls.Event = cls.env["sicantik.audit.event"]
        cls.events = cls.Event.browse(
            [cls.Event.log("document.download", f"doc {i}").id for i in range(3)]
        )
        cls.Event._audit_seal()

    def test_menu_for_auditors_only(self):
        menu = self.env.ref("sicantik_audit.menu_sicantik_audit_event")
        for role, visible in (("auditor", True), ("admin", True), ("petugas", False)):
            menus = self.env["ir.ui.menu"].with_user(self.users[role])
            self.assertEqual(menu.id in menus._visible_menu_ids(), visible, role)

    def test_views_are_read_only(self):
        for view_type in ("list", "form"):
            arch = self.Event.get_views([(False, view_type)])["views"][view_type][
                "arch"
            ]
            for flag in ('create="0"', 'edit="0"', 'delete="0"'):
                self.assertIn(flag, arch, view_type)

    def test_csv_export_is_reverifiable(self):
        """What an auditor downloads verifies outside Odoo, hashes included."""
        auditor_events = self.events.with_user(self.users["auditor"])
        action = auditor_events.action_export_csv()
        attachment_id = int(action["url"].split("/")[3].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        rows = list(
            csv.reader(io.StringIO(base64.b64decode(attachment.datas).decode()))
        )
        self.assertEqual(tuple(rows[0]), chain.ROW_FIELDS)
        typed = []
        for row in rows[1:]:
            values = [value or None for value in row]
            for index in (0, 3, 9):  # sequence, actor_uid, res_id
                values[index] = int(values[index]) if values[index] else None
            typed.append(tuple(values))
        first = self.events.sorted("sequence")[0]
        result = chain.verify_rows(typed, first.sequence - 1, first.prev_hash)
        self.assertTrue(result.ok, result)
        self.assertEqual(result.checked, 3)
        exported = self.Event.search([("action", "=", "audit.export")], limit=1)
        self.assertEqual(exported.actor_login, "sicantik_auditor")

    def test_petugas_cannot_verify_or_export(self):
        from odoo.exceptions import UserError  # AccessError is a UserError

        with self.assertRaises(UserError):
            self.Event.with_user(self.users["petugas"]).action_verify_chain()
        with self.assertRaises(UserError):
            self.events.with_user(self.users["petugas"]).action_export_csv()
