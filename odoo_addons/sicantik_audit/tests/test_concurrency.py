import threading

import psycopg2

from odoo import api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..models.audit_event import seal_pending


@tagged("post_install", "-at_install")
class TestConcurrentWriters(TransactionCase):
    """Several transactions log at the same time and commit for real.

    Each writer first runs a query (taking its REPEATABLE READ snapshot, as a
    real request does long before it logs), then all writers log together and
    commit in small batches: every commit runs the post-commit seal, so sealers
    race each other and the appends.  Nothing is sealed on the test's own
    cursor: it would hold the chain lock until the end of the test.
    """

    WRITERS = 8
    EVENTS = 15

    def _committed(self, query, params):
        with self.registry.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall()

    def test_parallel_transactions_keep_the_chain_linear(self):
        barrier = threading.Barrier(self.WRITERS)
        errors = []
        tag = f"concurrency-{id(self)}"

        # Environments are built here: building one looks the registry up under
        # a lock the test runner's thread holds while it runs tests.
        envs = [
            api.Environment(self.registry.cursor(), api.SUPERUSER_ID, {})
            for _i in range(self.WRITERS)
        ]

        def writer(index):
            env = envs[index]
            cr = env.cr
            try:
                cr.execute("SELECT count(*) FROM sicantik_audit_event")
                barrier.wait(timeout=30)
                for n in range(self.EVENTS):
                    env["sicantik.audit.event"].log(
                        "sync.run", f"{tag} writer {index} event {n}"
                    )
                    # Real commits on the writers' own cursors: that is the
                    # point of the test (never on the test's cursor).
                    if n % 5 == 4:
                        cr.commit()  # pylint: disable=invalid-commit
                cr.commit()  # pylint: disable=invalid-commit
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                cr.close()

        threads = [
            threading.Thread(target=writer, args=(i,)) for i in range(self.WRITERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertFalse(errors)
        sequences = [
            row[0]
            for row in self._committed(
                "SELECT sequence FROM sicantik_audit_event WHERE summary LIKE %s",
                [f"{tag} %"],
            )
        ]
        self.assertEqual(len(sequences), self.WRITERS * self.EVENTS)
        self.assertNotIn(None, sequences, "every committed event is sealed")
        self.assertEqual(len(set(sequences)), len(sequences), "duplicate sequence")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            report = env["sicantik.audit.event"]._audit_verify_chain(anchors=False)
        # Gap-free overall: the verifier checks contiguity of every sequence.
        self.assertTrue(report["ok"], report)
        self.assertGreaterEqual(report["last_sequence"], max(sequences))

    def test_stale_snapshot_links_to_committed_head(self):
        """A transaction whose REPEATABLE READ snapshot predates another
        writer's commit is still chained after that writer's event."""
        env_a = api.Environment(self.registry.cursor(), api.SUPERUSER_ID, {})
        env_b = api.Environment(self.registry.cursor(), api.SUPERUSER_ID, {})
        try:
            env_a.cr.execute("SELECT count(*) FROM sicantik_audit_event")  # snapshot
            committed = env_b["sicantik.audit.event"].log("sync.run", "writer B")
            env_b.cr.commit()  # pylint: disable=invalid-commit
            late = env_a["sicantik.audit.event"].log("sync.run", "writer A")
            env_a.cr.commit()  # pylint: disable=invalid-commit
        finally:
            env_a.cr.close()
            env_b.cr.close()
        rows = {
            row[0]: row[1:]
            for row in self._committed(
                "SELECT id, sequence, prev_hash, hash FROM sicantik_audit_event"
                " WHERE id IN %s",
                [(committed.id, late.id)],
            )
        }
        b_seq, _b_prev, b_hash = rows[committed.id]
        a_seq, a_prev, _a_hash = rows[late.id]
        self.assertEqual(a_seq, b_seq + 1)
        self.assertEqual(a_prev, b_hash)

    def test_stale_sealer_fails_instead_of_forking(self):
        """Sealing on a snapshot older than another seal cannot fork the chain:
        the UNIQUE sequence refuses it and nothing is half-sealed."""
        env_a = api.Environment(self.registry.cursor(), api.SUPERUSER_ID, {})
        env_b = api.Environment(self.registry.cursor(), api.SUPERUSER_ID, {})
        try:
            env_a.cr.execute("SELECT count(*) FROM sicantik_audit_event")  # snapshot
            env_b["sicantik.audit.event"].log("sync.run", "sealed by B")
            env_b.cr.commit()  # pylint: disable=invalid-commit
            late = env_a["sicantik.audit.event"].log("sync.run", "stale sealer")
            # A unique violation (or a serialisation failure): either way the
            # whole seal is refused.
            with self.assertRaises(psycopg2.Error), mute_logger("odoo.sql_db"):
                seal_pending(env_a.cr)
            env_a.cr.rollback()
        finally:
            env_a.cr.close()
            env_b.cr.close()
        self.assertFalse(
            self._committed(
                "SELECT 1 FROM sicantik_audit_event WHERE id = %s", [late.id]
            )
        )
