"""Uninstalling the audit module keeps the evidence, or is refused (#12.4).

The attack: an administrator uninstalls ``sicantik_audit`` from Apps, which
drops the tables, trigger or not.  The button archives the whole remaining
chain to S3 and anchors its head before marking the module for removal, and
refuses when S3 cannot take it.
"""

import gzip
import json
import os
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.sicantik_base.tests.common import make_role_users

from .. import uninstall_hook
from ..lib import anchor_store
from .common import AuditS3Case


@tagged("post_install", "-at_install")
class TestUninstall(AuditS3Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = make_role_users(cls.env)
        cls.module = cls.env["ir.module.module"].search(
            [("name", "=", "sicantik_audit")]
        )

    def setUp(self):
        super().setUp()
        self.events = [self.Event.log("document.import", f"doc {i}") for i in range(4)]

    def test_uninstall_archives_the_whole_chain_first(self):
        self.module.button_uninstall()
        self.assertEqual(self.module.state, "to remove")
        self.env.invalidate_all()
        head = self.events[-1]
        self.assertTrue(head.sequence, "pending events were sealed first")
        (manifest_key,) = [
            key for key in self.store.list_keys("final") if key.endswith(".json")
        ]
        manifest = self.store.get_anchor(manifest_key)
        self.assertIsNone(
            anchor_store.check_anchor(manifest, os.environ["SICANTIK_AUDIT_ANCHOR_KEY"])
        )
        self.assertEqual(manifest["upto_sequence"], head.sequence)
        self.assertEqual(manifest["hash"], head.hash)
        data = self.store.get_bytes(manifest["archive"])
        lines = [json.loads(line) for line in gzip.decompress(data).splitlines()]
        self.assertEqual(lines[-1]["hash"], head.hash)
        self.assertEqual(lines[0]["sequence"], manifest["from_sequence"])
        result = anchor_store.verify_archive(
            data,
            manifest["archive_sha256"],
            manifest["from_sequence"] - 1,
            manifest["prev_hash"],
            head.hash,
        )
        self.assertTrue(result.ok, result)
        (anchor_key,) = self.store.list_keys("anchors")
        self.assertEqual(self.store.get_anchor(anchor_key)["hash"], head.hash)

    @mute_logger(
        "odoo.addons.sicantik_audit.models.audit_chain", "urllib3.connectionpool"
    )
    def test_uninstall_refused_when_s3_is_down(self):
        with patch.dict(os.environ, {"SICANTIK_S3_ENDPOINT": "127.0.0.1:9"}):
            with self.assertRaises(UserError) as caught:
                self.module.button_uninstall()
        self.assertIn("not uninstalled", str(caught.exception))
        self.assertEqual(self.module.state, "installed")

    @mute_logger(
        "odoo.addons.sicantik_audit.models.audit_chain", "urllib3.connectionpool"
    )
    def test_uninstall_of_a_dependency_archives_too(self):
        base = self.env["ir.module.module"].search([("name", "=", "sicantik_base")])
        with patch.dict(os.environ, {"SICANTIK_S3_ENDPOINT": "127.0.0.1:9"}):
            with self.assertRaises(UserError):
                base.button_uninstall()
        self.assertEqual(self.module.state, "installed")

    def test_only_settings_administrators(self):
        with self.assertRaises(AccessError):
            self.module.with_user(self.users["admin"]).button_uninstall()
        self.assertEqual(self.module.state, "installed")
        self.assertEqual(self.store.list_keys("final"), [])

    def test_uninstall_hook_archives_late_events(self):
        uninstall_hook(self.env)
        late = self.Event.log("document.import", "between button and removal")
        uninstall_hook(self.env)
        self.env.invalidate_all()
        manifests = [
            self.store.get_anchor(key)
            for key in self.store.list_keys("final")
            if key.endswith(".json")
        ]
        self.assertEqual(len(manifests), 2)
        self.assertGreaterEqual(
            max(m["upto_sequence"] for m in manifests), late.sequence
        )
