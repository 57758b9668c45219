"""Documents follow the unit visibility of their permit, down to the download.

The issue's promise: "an officer sees the permits of their unit".  The rules
live on ``sicantik.permit`` (sicantik_sync) and on ``sicantik.document``
(here); the download controller answers 404 to whatever they hide, so these
tests go through the real HTTP route.
"""

import hashlib

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import DocumentsCase, pdf


@tagged("post_install", "-at_install")
class TestUnitDocuments(HttpCase, DocumentsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        base = cls.permits[0].sicantik_id + 100
        Unit = cls.env["sicantik.unit"]
        cls.unit_a = Unit.create({"sicantik_id": base, "name": "UNIT A"})
        cls.unit_b = Unit.create({"sicantik_id": base + 1, "name": "UNIT B"})
        cls.permit_a, cls.permit_b, cls.permit_none = cls.permits[:3]
        cls.permit_a.unit_id = cls.unit_a
        cls.permit_b.unit_id = cls.unit_b
        cls.users["officer_a"] = new_test_user(
            cls.env, login="docs_officer_a", groups="sicantik_base.group_petugas"
        )
        cls.users["officer_a"].sicantik_unit_ids = cls.unit_a
        cls.users["pejabat"] = new_test_user(
            cls.env, login="docs_pejabat", groups="sicantik_base.group_pejabat"
        )

    def _docs(self):
        admin = self.users["admin"]
        return {
            "a": self.upload(self.permit_a, pdf("unit a"), user=admin),
            "b": self.upload(self.permit_b, pdf("unit b"), user=admin),
            "none": self.upload(self.permit_none, pdf("no unit"), user=admin),
        }

    def _visible(self, role, docs):
        Doc = self.env["sicantik.document"].with_user(self.users[role])
        found = Doc.search([("id", "in", [d.id for d in docs.values()])])
        return {key for key, doc in docs.items() if doc in found}

    def _login(self, role):
        user = self.users[role]
        user.password = f"units-{role}-pw"
        self.authenticate(user.login, f"units-{role}-pw")

    def test_officer_sees_documents_of_own_unit_and_unitless_permits(self):
        docs = self._docs()
        self.assertEqual(self._visible("officer_a", docs), {"a", "none"})
        with self.assertRaises(AccessError):
            docs["b"].with_user(self.users["officer_a"]).read(["sha256"])
        # an officer cannot attach a version to another unit's permit either
        with self.assertRaises(AccessError):
            self.upload(self.permit_b, pdf("intruder"), user=self.users["officer_a"])

    def test_officer_downloads_own_unit_only(self):
        docs = self._docs()
        self._login("officer_a")
        res = self.url_open(f"/sicantik/document/{docs['a'].id}/download")
        self.assertEqual(res.status_code, 200)
        self.assertEqual(hashlib.sha256(res.content).hexdigest(), docs["a"].sha256)
        res = self.url_open(f"/sicantik/document/{docs['none'].id}/download")
        self.assertEqual(res.status_code, 200)
        res = self.url_open(f"/sicantik/document/{docs['b'].id}/download")
        self.assertEqual(res.status_code, 404)
        self.assertFalse(self.audit_events("document.download", docs["b"]))
        self.assertEqual(len(self.audit_events("document.download", docs["a"])), 1)

    def test_officer_without_unit_and_higher_roles_see_all(self):
        docs = self._docs()
        for role in ("petugas", "pejabat", "auditor", "admin"):
            self.assertEqual(self._visible(role, docs), {"a", "b", "none"}, role)
        self._login("petugas")
        res = self.url_open(f"/sicantik/document/{docs['b'].id}/download")
        self.assertEqual(res.status_code, 200)

    def test_quarantined_versions_stay_hidden_from_officers_and_officials(self):
        docs = self._docs()
        docs["a"].with_user(self.users["admin"]).action_quarantine()
        self.assertEqual(self._visible("officer_a", docs), {"none"})
        self.assertEqual(self._visible("pejabat", docs), {"b", "none"})
        self.assertEqual(self._visible("auditor", docs), {"a", "b", "none"})
