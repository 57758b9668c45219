"""Attacks through ``/web/dataset/call_kw``, written as the attacker makes them.

Each call goes through what the controller runs: ``get_public_method`` (which
refuses private names) then ``odoo.api.call_kw`` with the attacker's
arguments and context, as the attacker's user.  Every test then checks that
nothing changed.
"""

import base64
import contextlib
import hashlib

from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.service.model import get_public_method
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..models.sicantik_document import PROTECTED_FIELDS
from .common import DocumentsCase, pdf

#: Context keys an attacker would try to switch internal modes on with.
FORGED_CONTEXT = {
    "sicantik_documents_internal": True,
    "sicantik_internal": True,
    "internal": True,
    "install_mode": True,
    "import_file": True,
    "tracking_disable": True,
    "active_test": False,
}


@tagged("post_install", "-at_install")
class TestRpcAttacks(DocumentsCase):
    def call_kw(self, user, model, method, args, kwargs=None):
        """What ``/web/dataset/call_kw`` does for ``user``."""
        Model = self.env[model].with_user(user)
        get_public_method(Model, method)
        with self.env.cr.savepoint(), mute_logger("odoo.models"):
            return api.call_kw(Model, method, args, kwargs or {})

    @contextlib.contextmanager
    def refused(self, msg=None):
        """The call fails with a refusal (Odoo's assertRaises takes one class)."""
        try:
            yield
        except (AccessError, UserError, ValueError):
            return
        self.fail(f"not refused: {msg}")

    def snapshot(self, doc):
        doc.invalidate_recordset()
        return doc.sudo().read(sorted(PROTECTED_FIELDS - {"name"}))[0]

    # ------------------------------------------------------------- write
    def test_versions_cannot_be_forged_through_the_permit(self):
        """The permit's one2many is another door to the same write/create."""
        doc = self.upload(self.permits[0], pdf("through the permit"))
        before = self.snapshot(doc)
        count = self.env["sicantik.document"].search_count([])
        commands = (
            [(1, doc.id, {"state": "missing", "sha256": "0" * 64})],
            [(0, 0, {"kind": "signed", "state": "stored", "sha256": "1" * 64})],
            [(2, doc.id)],
            [(3, doc.id)],
        )
        for role in ("petugas", "admin"):
            for command in commands:
                with self.refused((role, command)):
                    self.call_kw(
                        self.users[role],
                        "sicantik.permit",
                        "write",
                        [self.permits[0].ids, {"document_ids": command}],
                        {"context": FORGED_CONTEXT},
                    )
        self.assertEqual(self.snapshot(doc), before)
        self.assertEqual(self.env["sicantik.document"].search_count([]), count)

    def test_write_of_protected_fields_is_refused_to_everyone(self):
        doc = self.upload(self.permits[0], pdf("forge me"))
        before = self.snapshot(doc)
        forgeries = {
            "state": "quarantined",
            "sha256": "0" * 64,
            "object_key": f"permits/{doc.permit_id.sicantik_id}/forged.pdf",
            "object_sha256": "1" * 64,
            "object_size": 1,
            "size": 1,
            "key_id": "attacker",
            "encrypted": False,
            "kind": "signed",
            "version": 99,
            "origin": "signing",
            "permit_id": self.permits[1].id,
            "checked_at": "2000-01-01 00:00:00",
        }
        for role in ("petugas", "auditor", "admin"):
            for context in ({}, FORGED_CONTEXT):
                for field, value in forgeries.items():
                    with self.assertRaises(AccessError, msg=(role, field)):
                        self.call_kw(
                            self.users[role],
                            "sicantik.document",
                            "write",
                            [doc.ids, {field: value}],
                            {"context": context},
                        )
        # the administrator's refusal is this rule, not a missing ACL
        with self.assertRaisesRegex(AccessError, "managed by the system"):
            self.call_kw(
                self.users["admin"],
                "sicantik.document",
                "write",
                [doc.ids, {"state": "missing"}],
            )
        # the form's save path as well
        with self.assertRaises(AccessError):
            self.call_kw(
                self.users["admin"],
                "sicantik.document",
                "web_save",
                [doc.ids, {"sha256": "2" * 64}],
                {"specification": {"sha256": {}}, "context": FORGED_CONTEXT},
            )
        self.assertEqual(self.snapshot(doc), before)
        self.assertEqual(b"".join(doc._stream()), pdf("forge me"))

    def test_create_and_copy_are_refused_to_everyone(self):
        permit = self.permits[0]
        data = pdf("forged signed")
        values = {
            "permit_id": permit.id,
            "kind": "signed",
            "version": 1,
            "state": "stored",
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "origin": "signing",
            "object_key": "permits/forged.pdf",
        }
        original = self.upload(permit, pdf("to copy"))
        count = self.env["sicantik.document"].search_count([])
        for role in ("petugas", "admin"):
            for context in ({}, FORGED_CONTEXT):
                with self.assertRaises(AccessError, msg=role):
                    self.call_kw(
                        self.users[role],
                        "sicantik.document",
                        "create",
                        [values],
                        {"context": context},
                    )
                with self.assertRaises(AccessError, msg=role):
                    self.call_kw(
                        self.users[role],
                        "sicantik.document",
                        "copy",
                        [original.ids],
                        {"context": context},
                    )
        # not even code in superuser mode outside the private path
        with self.assertRaises(AccessError):
            self.env["sicantik.document"].sudo().with_context(**FORGED_CONTEXT).create(
                values
            )
        self.assertEqual(self.env["sicantik.document"].search_count([]), count)

    # ------------------------------------------------------- signed kinds
    def test_officer_cannot_upload_a_signed_version(self):
        permit = self.permits[0]
        officer = self.users["petugas"]
        file = base64.b64encode(pdf("fake signature"))
        for kind in ("signed", "resigned"):
            # the wizard does not offer it, whatever the client sends
            with self.refused(kind):
                self.call_kw(
                    officer,
                    "sicantik.document.upload",
                    "create",
                    [{"permit_id": permit.id, "kind": kind, "file": file}],
                )
            wizard_id = self.call_kw(
                officer,
                "sicantik.document.upload",
                "create",
                [{"permit_id": permit.id, "kind": "original", "file": file}],
            )
            with self.refused(kind):
                self.call_kw(
                    officer,
                    "sicantik.document.upload",
                    "write",
                    [[wizard_id], {"kind": kind}],
                )
            # and the private path refuses an upload claiming to be signed
            with self.assertRaises(AccessError):
                self.env["sicantik.document"].with_user(officer)._create_version(
                    permit,
                    kind,
                    lambda: None,
                    "0" * 64,
                    1,
                    "x.pdf",
                    "upload",
                )
        self.assertFalse(
            self.env["sicantik.document"].search_count(
                [("permit_id", "=", permit.id), ("kind", "in", ("signed", "resigned"))]
            )
        )
        # the signing service's path still works
        signed = self.store_signed(permit, pdf("really signed"))
        self.assertEqual((signed.kind, signed.state), ("signed", "stored"))

    def test_wizard_of_another_officer_cannot_be_run(self):
        other = new_test_user(
            self.env, login="docs_petugas_2", groups="sicantik_base.group_petugas"
        )
        wizard_id = self.call_kw(
            self.users["petugas"],
            "sicantik.document.upload",
            "create",
            [
                {
                    "permit_id": self.permits[0].id,
                    "kind": "original",
                    "file": base64.b64encode(pdf("not yours")),
                }
            ],
        )
        count = self.env["sicantik.document"].search_count([])
        # the waiting PDF is not readable by a colleague
        found = self.call_kw(
            other,
            "sicantik.document.upload",
            "search_read",
            [[("id", "=", wizard_id)], ["file", "permit_id"]],
        )
        self.assertEqual(found, [])
        with self.assertRaises(AccessError):
            self.call_kw(
                other, "sicantik.document.upload", "read", [[wizard_id], ["file"]]
            )
        with self.assertRaises(AccessError):
            self.call_kw(
                other, "sicantik.document.upload", "action_upload", [[wizard_id]]
            )
        with self.assertRaises(AccessError):
            self.call_kw(
                self.users["user"],
                "sicantik.document.upload",
                "action_upload",
                [[wizard_id]],
            )
        self.assertEqual(self.env["sicantik.document"].search_count([]), count)

    # ------------------------------------------------------- private paths
    def test_import_and_collection_are_not_endpoints(self):
        self.write_file(self.flat_path(self.permits[2]), pdf("not via rpc"))
        count = self.env["sicantik.document"].search_count([])
        attempts = [
            ("sicantik.document.import", "_import_cycle", []),
            ("sicantik.document.import", "_import_batch", []),
            ("sicantik.document.import", "_cron_import_folder", []),
            ("sicantik.document.orphans", "_collect_batch", []),
            ("sicantik.document.orphans", "_cron_collect_orphans", []),
            ("sicantik.document", "_cron_retry_uploads", []),
            ("sicantik.document", "_cron_check_integrity", []),
            ("sicantik.document", "_create_internal", [{}]),
            ("sicantik.document", "_create_version", []),
        ]
        for role in ("petugas", "admin"):
            for model, method, args in attempts:
                with self.assertRaises(AccessError, msg=(role, method)):
                    self.call_kw(self.users[role], model, method, args)
            doc = self.upload(self.permits[0], pdf(f"private {role}"))
            with self.assertRaises(AccessError):
                self.call_kw(
                    self.users[role],
                    "sicantik.document",
                    "_write_internal",
                    [doc.ids, {"state": "missing"}],
                )
            self.assertEqual(doc.state, "stored")
            # the old public names are gone
            for model, method in (
                ("sicantik.document.import", "import_cycle"),
                ("sicantik.document.import", "import_batch"),
                ("sicantik.document.orphans", "collect_batch"),
            ):
                with self.assertRaises(AttributeError):
                    self.call_kw(self.users[role], model, method, [])
        self.assertEqual(self.env["sicantik.document"].search_count([]), count + 2)
        self.assertFalse(
            self.env["sicantik.document"].search_count(
                [("permit_id", "=", self.permits[2].id)]
            )
        )

    def test_state_buttons_over_rpc_are_for_administrators(self):
        doc = self.upload(self.permits[0], pdf("button attack"))
        for role in ("petugas", "auditor", "user"):
            for method in (
                "action_quarantine",
                "action_check_integrity",
                "action_retry_upload",
            ):
                with self.assertRaises(AccessError, msg=(role, method)):
                    self.call_kw(
                        self.users[role],
                        "sicantik.document",
                        method,
                        [doc.ids],
                        {"context": FORGED_CONTEXT},
                    )
        for method in ("action_download", "action_preview"):
            with self.assertRaises(AccessError):
                self.call_kw(self.users["user"], "sicantik.document", method, [doc.ids])
        with self.assertRaises(AccessError):
            self.call_kw(
                self.users["user"],
                "sicantik.permit",
                "action_upload_document",
                [self.permits[0].ids],
            )
        self.assertEqual(doc.state, "stored")
        self.assertFalse(self.audit_events("document.quarantine", doc))

    def test_every_field_of_a_version_is_protected(self):
        """A field added later must be protected or consciously left out."""
        ours = {
            name
            for name, field in self.env["sicantik.document"]._fields.items()
            if field._module == "sicantik_documents"
            and field.store
            and name not in models.MAGIC_COLUMNS
        }
        self.assertTrue(ours)
        self.assertEqual(ours - PROTECTED_FIELDS, set())
