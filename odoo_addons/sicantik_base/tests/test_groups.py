from odoo.tests import TransactionCase, tagged

from .common import make_role_users


@tagged("post_install", "-at_install")
class TestGroups(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = make_role_users(cls.env)

    def _has(self, role, xmlid):
        return self.users[role].has_group(xmlid)

    def test_officer_chain(self):
        """Pejabat inherits Petugas; Administrator inherits both and Auditor."""
        self.assertTrue(self._has("pejabat", "sicantik_base.group_petugas"))
        self.assertFalse(self._has("petugas", "sicantik_base.group_pejabat"))
        for xmlid in (
            "sicantik_base.group_petugas",
            "sicantik_base.group_pejabat",
            "sicantik_base.group_auditor",
        ):
            self.assertTrue(self._has("admin", xmlid), xmlid)

    def test_auditor_is_orthogonal(self):
        """An auditor reads the trail without handling permits, and vice versa."""
        self.assertFalse(self._has("auditor", "sicantik_base.group_petugas"))
        self.assertFalse(self._has("pejabat", "sicantik_base.group_auditor"))

    def test_odoo_admin_is_sicantik_admin(self):
        self.assertTrue(
            self.env.ref("base.user_admin").has_group("sicantik_base.group_admin")
        )

    def _visible_menus(self, user):
        return set(self.env["ir.ui.menu"].with_user(user)._visible_menu_ids())

    def test_app_menu_groups(self):
        """Every SICANTIK role may open the app; plain employees may not.

        Odoo hides a menu without a reachable action, so whether an officer
        *sees* the app depends on the addons that hang actions under it; what
        this addon decides is who may see it.
        """
        root = self.env.ref("sicantik_base.menu_sicantik_root")
        for role in ("petugas", "pejabat", "auditor", "admin"):
            self.assertTrue(root.groups_id & self.users[role].groups_id, role)
        self.assertFalse(root.groups_id & self.users["user"].groups_id)

    def test_settings_menu_for_odoo_admin_only(self):
        settings = self.env.ref("sicantik_base.menu_sicantik_settings").id
        root = self.env.ref("sicantik_base.menu_sicantik_root").id
        visible = self._visible_menus(self.env.ref("base.user_admin"))
        self.assertIn(root, visible)
        self.assertIn(settings, visible)
        for role in ("petugas", "pejabat", "auditor", "user"):
            self.assertNotIn(settings, self._visible_menus(self.users[role]), role)
