"""One test per rewrite path of the anchored chain (issue #12 part 4).

The attacker has Odoo's database role (owner of the tables unless locked
down: ``triggers_disabled`` is what that role can do) and, for the S3 paths,
Odoo's S3 credentials and even the anchor key.  Each rewrite is detected by
the verifier or refused.  Against the real S3 server of the test stack.
"""

import gzip
import json
import os
from unittest.mock import patch

import psycopg2
from minio.commonconfig import ENABLED
from minio.versioningconfig import VersioningConfig

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib import anchor_store, chain
from .common import AuditS3Case, triggers_disabled


@tagged("post_install", "-at_install")
class TestAnchorRewrites(AuditS3Case):
    def setUp(self):
        super().setUp()
        self.store.ensure_bucket()
        # An Object Lock bucket is versioned: so is this one.
        self.store.client.set_bucket_versioning(
            self.store.bucket, VersioningConfig(ENABLED)
        )
        self.events = [self.Event.log("document.import", f"doc {i}") for i in range(6)]
        self.Event._audit_seal()
        self.env.invalidate_all()

    def _rewrite(self, event, summary="forged"):
        """Rewrite ``event`` and drop what follows, hashes recomputed: the
        chain alone still verifies afterwards."""
        forged = self.Event._audit_values("document.import", summary, None, {})
        self.env.cr.execute(
            "SELECT to_char(event_time, 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
            " FROM sicantik_audit_event WHERE id = %s",
            [event.id],
        )
        forged["event_time"] = self.env.cr.fetchone()[0]
        row = [event.sequence] + [forged[n] for n in chain.CANONICAL_FIELDS[1:]]
        digest = chain.event_hash(event.prev_hash, chain.canonical(row))
        columns = ", ".join(f"{n} = %s" for n in chain.CANONICAL_FIELDS[1:])
        with triggers_disabled(self.env.cr):
            self.env.cr.execute(
                f"UPDATE sicantik_audit_event SET {columns}, hash = %s WHERE id = %s",
                [*row[1:], digest, event.id],
            )
            self.env.cr.execute(
                "DELETE FROM sicantik_audit_event WHERE sequence > %s", [event.sequence]
            )
        self.env.invalidate_all()
        self.assertTrue(self.Event._audit_verify_chain(anchors=False)["ok"])
        return digest

    def _assert_broken(self, reason_part, sequence=None):
        report = self.Event._audit_verify_chain()
        self.assertFalse(report["ok"], report)
        self.assertIn(reason_part, report["reason"])
        if sequence is not None:
            self.assertEqual(report["broken_sequence"], sequence)
        return report

    def test_anchor_is_keyed_and_namespaced(self):
        info = self.Event._audit_anchor()
        document = self.store.get_anchor(info["key"])
        self.assertTrue(document["hmac"])
        self.env.cr.execute("SELECT namespace FROM sicantik_audit_meta")
        self.assertEqual(document["namespace"], self.env.cr.fetchone()[0])
        self.assertNotIn("database_uuid", document)
        self.assertTrue(self.Event._audit_verify_chain()["ok"])
        with patch.dict(os.environ, {"SICANTIK_AUDIT_ANCHOR_KEY": ""}):
            with self.assertRaises(UserError):
                self.Event._audit_anchor()
            report = self.Event._audit_verify_chain()
            self.assertFalse(report["ok"], "no key: nothing can be trusted")

    def test_edit_the_namespace(self):
        """Pointing ``database.uuid`` elsewhere does not hide the anchors."""
        self.Event._audit_anchor()
        head = self.events[-1]
        self._rewrite(head)
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("database.uuid", "00000000-0000-0000-0000-000000000000")
        self._assert_broken("anchored hash differs", head.sequence)
        # The recorded namespace is append-only; rewritten by the table owner
        # it points at an empty folder, and an empty folder is a finding once
        # the chain is older than the anchor grace period.
        self._refused_sql("UPDATE sicantik_audit_meta SET namespace = 'elsewhere'")
        with triggers_disabled(self.env.cr, "sicantik_audit_meta"):
            self.env.cr.execute("UPDATE sicantik_audit_meta SET namespace = 'x'")
        self.assertEqual(self.Event._audit_namespace(), "x")
        self.assertTrue(self.Event._audit_verify_chain()["ok"], "within grace")
        with patch.dict(os.environ, {"SICANTIK_AUDIT_ANCHOR_GRACE_HOURS": "0"}):
            self._assert_broken("no anchor found")

    def _refused_sql(self, sql):
        with (
            self.assertRaises(psycopg2.Error),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(sql)

    def test_hide_an_anchor_behind_a_newer_version(self):
        """Rewrite the chain, then overwrite the anchor object with one that
        matches it — signed with the real key: the locked version remains."""
        info = self.Event._audit_anchor()
        head = self.events[-1]
        digest = self._rewrite(head)
        document = self.store.get_anchor(info["key"])
        forged = anchor_store.seal_anchor(
            dict(document, hash=digest), os.environ["SICANTIK_AUDIT_ANCHOR_KEY"]
        )
        self.store.put_bytes(
            info["key"], json.dumps(forged).encode(), "application/json"
        )
        self.assertEqual(self.store.get_anchor(info["key"])["hash"], digest)
        self._assert_broken("anchored hash differs", head.sequence)
        # A delete marker does not hide it either.
        self.store.client.remove_object(self.store.bucket, info["key"])
        self.assertEqual(self.store.list_keys("anchors"), [])
        report = self._assert_broken("anchored hash differs", head.sequence)
        self.assertEqual(report["anchors"]["broken_sequence"], head.sequence)

    def test_delete_the_tail(self):
        self.Event._audit_anchor()
        anchored = self.events[-1].sequence
        with triggers_disabled(self.env.cr):
            self.env.cr.execute(
                "DELETE FROM sicantik_audit_event WHERE sequence >= %s",
                [self.events[3].sequence],
            )
        self.assertTrue(self.Event._audit_verify_chain(anchors=False)["ok"])
        self._assert_broken("anchored event missing", anchored)

    def test_insert_a_checkpoint(self):
        """A checkpoint inserted with SQL, then the purge door it opens: the
        rows go, but their anchor wants the archive that does not exist."""
        self.Event._audit_anchor()
        cut = self.events[-2]
        self.env.cr.execute(
            "SELECT min(sequence) FROM sicantik_audit_event WHERE sequence IS NOT NULL"
        )
        low = self.env.cr.fetchone()[0]
        start_seq, start_hash = self.Event._audit_verify_start()
        self.assertEqual(start_seq, low - 1)
        self.env.cr.execute(
            "INSERT INTO sicantik_audit_checkpoint (from_sequence, upto_sequence,"
            " prev_hash, hash, object_key, archive_sha256, event_count)"
            " VALUES (%s, %s, %s, %s, 'nowhere.jsonl.gz', %s, 1)",
            [
                start_seq + 1,
                self.events[-1].sequence,
                start_hash,
                self.events[-1].hash,
                "0" * 64,
            ],
        )
        # Inserted but nothing purged: the verifier does not start from it.
        self.assertEqual(self.Event._audit_verify_start(), (start_seq, start_hash))
        self.env.cr.execute(
            "SELECT set_config('sicantik_audit.purge_upto', %s, true)",
            [str(cut.sequence)],
        )
        self.env.cr.execute(
            "DELETE FROM sicantik_audit_event WHERE sequence <= %s", [cut.sequence]
        )
        self.assertGreater(self.env.cr.rowcount, 0)
        archives = self.Event._audit_verify_archives()
        self.assertFalse(archives["ok"])
        self.assertEqual(archives["reason"], "archive missing")
        # The daily anchor of the purged range is checked against the archive.
        self.Event._audit_anchor()
        report = self.Event._audit_verify_chain()
        self.assertFalse(report["ok"], report)
        # And through the ORM the old context switch opens nothing.
        with self.assertRaises(AccessError):
            self.env["sicantik.audit.checkpoint"].sudo().with_context(
                sicantik_audit_retention=True
            ).create({"from_sequence": 1, "upto_sequence": 2})

    def test_archived_anchors_are_verified(self):
        """Anchors inside an archived range are checked against the archive."""
        self.Event._audit_anchor()
        anchored_seq = self.events[-1].sequence
        for i in range(3):
            self.Event.log("document.import", f"later {i}")
        self.Event._audit_seal()
        result = self.Event._audit_archive_batch(days=-1)
        self.assertGreater(result["archived"], 0)
        self.Event._audit_seal()
        self.Event._audit_anchor()
        report = self.Event._audit_verify_chain()
        self.assertTrue(report["ok"], report)
        self.assertEqual(report["anchors"]["checked"], 2)
        checkpoint = self.env["sicantik.audit.checkpoint"].search([], limit=1)
        self.assertLess(anchored_seq, checkpoint.upto_sequence)
        # Rewrite the anchored event inside the archive (an unlocked bucket).
        lines = gzip.decompress(self.store.get_bytes(checkpoint.object_key))
        lines = lines.splitlines()
        for index, line in enumerate(lines):
            data = json.loads(line)
            if data["sequence"] == anchored_seq:
                data["summary"] = "rewritten in the archive"
                lines[index] = json.dumps(data).encode()
        self.store.put_bytes(
            checkpoint.object_key, gzip.compress(b"\n".join(lines)), "application/gzip"
        )
        report = self.Event._audit_verify_chain()
        self.assertFalse(report["ok"], report)
        self.assertEqual(report["anchors"]["broken_sequence"], anchored_seq)
        # Even an unreadable archive is a finding, not a crash.
        self.store.put_bytes(checkpoint.object_key, b"garbage", "application/gzip")
        report = self.Event._audit_verify_chain()
        self.assertFalse(report["ok"], report)
        self.assertFalse(self.Event._audit_verify_archives()["ok"])

    def test_archive_cron_reports(self):
        self.Event._audit_archive_batch(days=-1)
        self.Event._audit_seal()
        report = self.Event._cron_verify_archives()
        self.assertTrue(report["ok"], report)
        event = self.Event.search([("action", "=", "audit.verify_archive")], limit=1)
        self.assertEqual(event.summary, "Archives verified: OK")
        cron = self.env.ref("sicantik_audit.ir_cron_audit_verify_archives")
        self.assertTrue(cron.active)
