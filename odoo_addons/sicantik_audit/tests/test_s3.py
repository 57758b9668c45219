import gzip
import json

from odoo.tests import tagged

from ..lib import anchor_store
from .common import AuditS3Case, triggers_disabled


@tagged("post_install", "-at_install")
class TestAnchorsAndRetention(AuditS3Case):
    """Against the real S3 server of the test stack (SICANTIK_S3_* settings)."""

    def setUp(self):
        super().setUp()
        self.store.ensure_bucket()
        self.events = [self.Event.log("document.import", f"doc {i}") for i in range(6)]
        # What the post-commit hook does in production (tests never commit).
        self.Event._audit_seal()

    def test_anchor_written_and_verified(self):
        info = self.Event._audit_anchor()
        self.assertEqual(info["sequence"], self.events[-1].sequence)
        store = self.Event._audit_store()
        document = store.get_anchor(info["key"])
        self.assertIsNone(anchor_store.check_anchor(document))
        self.assertEqual(document["hash"], self.events[-1].hash)
        report = self.Event._audit_verify_chain()
        self.assertTrue(report["ok"], report)
        self.assertEqual(report["anchors"]["checked"], 1)
        logged = self.Event.search([("action", "=", "audit.anchor")], limit=1)
        self.assertEqual(json.loads(logged.details)["key"], info["key"])

    def test_consistent_rewrite_caught_by_anchor(self):
        """Rewrite the head *and* its hash: the chain alone still verifies, the
        anchor does not match any more."""
        self.Event._audit_anchor()
        anchored = self.events[-1]
        forged = self.Event._audit_values("document.import", "forged", None, {})
        forged["event_time"] = anchored.event_time
        row = [anchored.sequence] + [
            forged[name] for name in anchor_store.chain.CANONICAL_FIELDS[1:]
        ]
        digest = anchor_store.chain.event_hash(
            anchored.prev_hash, anchor_store.chain.canonical(row)
        )
        # Rebuild the rest of the chain after the forged event, as an attacker
        # with database access would.
        with triggers_disabled(self.env.cr):
            self.env.cr.execute(
                "UPDATE sicantik_audit_event SET summary = 'forged', hash = %s"
                " WHERE id = %s",
                [digest, anchored.id],
            )
            self.env.cr.execute(
                "DELETE FROM sicantik_audit_event WHERE sequence > %s",
                [anchored.sequence],
            )
        report = self.Event._audit_verify_chain()
        self.assertFalse(report["ok"])
        self.assertEqual(report["broken_sequence"], anchored.sequence)
        self.assertIn("anchor", report["reason"])

    def test_tampered_anchor_detected(self):
        info = self.Event._audit_anchor()
        store = self.Event._audit_store()
        document = store.get_anchor(info["key"])
        document["hash"] = "f" * 64
        data = json.dumps(document).encode()
        store.put_bytes(info["key"], data, "application/json")
        report = self.Event._audit_verify_chain()
        self.assertFalse(report["ok"])
        self.assertEqual(report["anchors"]["reason"], "anchor digest mismatch")

    def test_retention_archives_then_chain_and_archive_verify(self):
        first = self.Event._audit_archive_batch(days=-1, batch=3)
        self.assertEqual(first["archived"], 3)
        self.Event._audit_seal()
        second = self.Event._audit_archive_batch(days=-1)
        self.Event._audit_seal()
        self.assertGreater(second["archived"], 0)
        self.assertEqual(second["remaining"], 0)
        checkpoints = self.env["sicantik.audit.checkpoint"].search([])
        self.assertEqual(len(checkpoints), 2)
        upto = checkpoints[0].upto_sequence
        # Everything archived is gone from PostgreSQL; the head stays (the
        # retention job's own "audit.archive" event).
        self.env.cr.execute(
            "SELECT min(sequence), max(sequence) FROM sicantik_audit_event"
        )
        low, high = self.env.cr.fetchone()
        self.assertEqual(low, upto + 1)
        head = self.Event.search([], limit=1)
        self.assertEqual(head.action, "audit.archive")
        self.assertEqual(head.sequence, high)
        report = self.Event._audit_verify_chain(anchors=False)
        self.assertTrue(report["ok"], report)
        self.assertEqual(report["start_sequence"], upto)
        # The chain continues after retention.
        after = self.Event.log("document.import", "after retention")
        self.Event._audit_seal()
        self.assertEqual(after.prev_hash, head.hash)
        self.assertTrue(self.Event._audit_verify_chain(anchors=False)["ok"])
        archives = self.Event._audit_verify_archives()
        self.assertTrue(archives["ok"], archives)
        self.assertEqual(archives["archives"], 2)
        self.assertEqual(archives["checked"], upto)

    def test_tampered_archive_detected(self):
        self.Event._audit_archive_batch(days=-1)
        checkpoint = self.env["sicantik.audit.checkpoint"].search([], limit=1)
        store = self.Event._audit_store()
        lines = gzip.decompress(store.get_bytes(checkpoint.object_key)).splitlines()
        victim = json.loads(lines[-2])
        victim["summary"] = "rewritten in the archive"
        lines[-2] = json.dumps(victim).encode()
        store.put_bytes(
            checkpoint.object_key, gzip.compress(b"\n".join(lines)), "application/gzip"
        )
        report = self.Event._audit_verify_archives()
        self.assertFalse(report["ok"])
        self.assertEqual(report["broken_sequence"], victim["sequence"])

    def test_retention_keeps_recent_events(self):
        result = self.Event._audit_archive_batch(days=3650)
        self.assertEqual(result["archived"], 0)
        self.assertFalse(self.env["sicantik.audit.checkpoint"].search([]))

    def test_retention_refuses_broken_chain(self):
        with triggers_disabled(self.env.cr):
            self.env.cr.execute(
                "UPDATE sicantik_audit_event SET summary = 'x' WHERE id = %s",
                [self.events[0].id],
            )
        from odoo.exceptions import UserError

        with self.assertRaises(UserError):
            self.Event._audit_archive_batch(days=-1)
