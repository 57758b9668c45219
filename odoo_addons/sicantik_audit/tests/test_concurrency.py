import threading

from odoo import api
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestConcurrentWriters(TransactionCase):
    """Several transactions append at the same time and commit for real.

    Each writer first runs a query (taking its REPEATABLE READ snapshot, as a
    real request does long before it logs), then all writers log together.
    Nothing is logged on the test's own cursor: it would hold the chain lock
    until the end of the test and every writer would wait for it.
    """

    WRITERS = 8
    EVENTS = 15

    def test_parallel_transactions_keep_the_chain_linear(self):
        barrier = threading.Barrier(self.WRITERS)
        errors = []
        sequences = []
        lock = threading.Lock()
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
                    event = env["sicantik.audit.event"].log(
                        "sync.run", f"{tag} writer {index} event {n}"
                    )
                    with lock:
                        sequences.append(event.sequence)
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
        self.assertEqual(len(sequences), self.WRITERS * self.EVENTS)
        self.assertEqual(len(set(sequences)), len(sequences), "duplicate sequence")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            report = env["sicantik.audit.event"]._audit_verify_chain(anchors=False)
            cr.execute(
                "SELECT min(sequence), max(sequence), count(*)"
                "  FROM sicantik_audit_event WHERE summary LIKE %s",
                [f"{tag} %"],
            )
            low, high, count = cr.fetchone()
        self.assertTrue(report["ok"], report)
        self.assertEqual(count, self.WRITERS * self.EVENTS)
        # Gap-free overall: the verifier checks contiguity of every sequence.
        self.assertGreaterEqual(high - low + 1, count)

    def test_stale_snapshot_links_to_committed_head(self):
        """A transaction whose REPEATABLE READ snapshot predates another
        writer's commit still appends after that commit (slow path)."""
        env_a = api.Environment(self.registry.cursor(), api.SUPERUSER_ID, {})
        env_b = api.Environment(self.registry.cursor(), api.SUPERUSER_ID, {})
        try:
            env_a.cr.execute("SELECT count(*) FROM sicantik_audit_event")  # snapshot
            committed = env_b["sicantik.audit.event"].log("sync.run", "writer B")
            b_seq, b_hash = committed.sequence, committed.hash
            env_b.cr.commit()  # pylint: disable=invalid-commit
            late = env_a["sicantik.audit.event"].log("sync.run", "writer A")
            self.assertEqual(late.sequence, b_seq + 1)
            self.assertEqual(late.prev_hash, b_hash)
            env_a.cr.commit()  # pylint: disable=invalid-commit
        finally:
            env_a.cr.close()
            env_b.cr.close()
