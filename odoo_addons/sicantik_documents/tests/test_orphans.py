import hashlib
import io
import json
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.sicantik_audit.tests.common import trap_audit

from ..lib import store
from ..models import services
from ..models.sicantik_document_orphans import CURSOR_PARAM
from .common import DocumentsCase, pdf


@tagged("post_install", "-at_install")
class TestOrphans(DocumentsCase):
    """The orphan collector against the harness's S3.

    Every collection here is limited to the prefix of one of this class's
    permits: the bucket may be shared with a development database, whose
    objects this test database does not reference and must not remove.
    """

    def setUp(self):
        super().setUp()
        self.Orphans = self.env["sicantik.document.orphans"]
        self.env["ir.config_parameter"].sudo().set_param(CURSOR_PARAM, "")

    def prefix(self, permit):
        return f"{store.DOCUMENTS_PREFIX}{permit.sicantik_id}/"

    def put(self, key, data):
        self.store().put(key, io.BytesIO(data))
        return key

    def put_orphan(self, permit, tag):
        """An object under a document id no record has (ids stay far below)."""
        data = pdf(tag)
        doc_id = 2_000_000_000 + uuid.uuid4().int % 10**6
        sha = hashlib.sha256(data).hexdigest()
        return self.put(store.object_key(permit.sicantik_id, doc_id, 1, sha), data)

    def listed(self, permit):
        return {obj.key: obj for obj in self.store().iter_objects(self.prefix(permit))}

    def test_only_old_unreferenced_objects_are_removed(self):
        permit = self.permits[0]
        referenced = self.upload(permit, pdf("referenced"))
        self.assertEqual(referenced.state, "stored")
        data = pdf("pending")
        pending = self.env["sicantik.document"]._create_internal(
            {
                "permit_id": permit.id,
                "kind": "attachment",
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "filename": "pending.pdf",
                "origin": "upload",
            }
        )
        # what a rolled-back retry leaves: the retry cron adopts it later
        pending_key = self.put(pending._object_target()[0], data)
        foreign = self.put(f"{self.prefix(permit)}notes.txt", b"not a document")
        old = self.put_orphan(permit, "old")
        # S3 dates have a one-second resolution: make the young one younger
        time.sleep(1.1)
        young = self.put_orphan(permit, "young")
        objects = self.listed(permit)
        old_at, young_at = objects[old].last_modified, objects[young].last_modified
        self.assertLess(old_at, young_at)
        grace = datetime.now(UTC) - (old_at + (young_at - old_at) / 2)
        with trap_audit(self.env) as trap:
            result = self.Orphans._collect_batch(
                grace=grace, prefix=self.prefix(permit)
            )

        self.assertEqual(result["removed"], 1)
        self.assertEqual(result["refused"], 0)
        self.assertEqual(result["done"], 5)
        self.assertEqual(result["remaining"], 0)
        left = set(self.listed(permit))
        self.assertNotIn(old, left)
        self.assertLessEqual({referenced.object_key, pending_key, foreign, young}, left)
        event = trap.assert_logged(
            "document.orphans_removed", count=1, details={"count": 1, "refused": 0}
        )
        details = json.loads(event.details)
        self.assertEqual(len(details["keys"]), 1)
        self.assertIn("1 orphan object(s) removed", event.summary)

    def test_listing_walked_in_batches_with_a_cursor(self):
        permit = self.permits[1]
        keys = {self.put_orphan(permit, f"batch {i}") for i in range(3)}
        params = self.env["ir.config_parameter"].sudo()
        zero = timedelta(0)
        first = self.Orphans._collect_batch(
            grace=zero, limit=2, prefix=self.prefix(permit)
        )
        self.assertEqual((first["done"], first["remaining"]), (2, 1))
        self.assertTrue(params.get_param(CURSOR_PARAM).startswith(self.prefix(permit)))
        second = self.Orphans._collect_batch(
            grace=zero, limit=2, prefix=self.prefix(permit)
        )
        self.assertEqual((second["done"], second["remaining"]), (1, 0))
        self.assertFalse(params.get_param(CURSOR_PARAM))
        self.assertEqual(first["removed"] + second["removed"], len(keys))
        self.assertFalse(set(self.listed(permit)) & keys)

    def test_nothing_to_remove_logs_nothing(self):
        permit = self.permits[2]
        young = self.put_orphan(permit, "fresh")
        with trap_audit(self.env) as trap:
            result = self.Orphans._collect_batch(prefix=self.prefix(permit))
        self.assertEqual((result["done"], result["removed"]), (1, 0))
        self.assertIn(young, self.listed(permit))
        trap.assert_not_logged("document.orphans_removed")

    def test_grace_setting_and_cron(self):
        with patch.dict(os.environ):
            os.environ.pop("SICANTIK_DOC_ORPHAN_GRACE_HOURS", None)
            self.assertEqual(services.orphan_grace(), timedelta(hours=24))
        with patch.dict(os.environ, {"SICANTIK_DOC_ORPHAN_GRACE_HOURS": "2"}):
            self.assertEqual(services.orphan_grace(), timedelta(hours=2))
        with patch.dict(os.environ, {"SICANTIK_DOC_ORPHAN_GRACE_HOURS": "-5"}):
            self.assertEqual(services.orphan_grace(), timedelta(0))
        cron = self.env.ref("sicantik_documents.ir_cron_sicantik_document_orphans")
        self.assertTrue(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "weeks"))
        self.assertEqual(cron.code.strip(), "model._cron_collect_orphans()")
