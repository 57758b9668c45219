"""The read-ahead of the next sync batch (``lib/readahead``), without Odoo."""

import threading

from sicantik_sync_lib import readahead


def setup_function():
    readahead.clear()


def test_taken_only_for_the_watermark_it_was_read_for():
    readahead.submit(("db", "permit", 10), lambda: ([11, 12], ["rows"]))
    # another watermark: not used, and the stale read-ahead is forgotten
    assert readahead.take(("db", "permit", 99)) is None
    assert readahead.take(("db", "permit", 10)) is None
    readahead.submit(("db", "permit", 10), lambda: ([11, 12], ["rows"]))
    assert readahead.take(("db", "permit", 10)) == ([11, 12], ["rows"])
    # taken once
    assert readahead.take(("db", "permit", 10)) is None


def test_waits_for_a_read_in_flight():
    release = threading.Event()

    def slow():
        release.wait(5)
        return [1], ["row"]

    readahead.submit("k", slow)
    threading.Timer(0.05, release.set).start()
    assert readahead.take("k") == ([1], ["row"])


def test_a_failed_or_old_read_is_not_used():
    def boom():
        raise RuntimeError("MySQL gone")

    readahead.submit("k", boom)
    assert readahead.take("k") is None
    readahead.submit("k", lambda: ([1], []))
    assert readahead.take("k", max_age=-1) is None


def test_a_new_submit_replaces_the_previous_one():
    readahead.submit("a", lambda: ([1], []))
    readahead.submit("b", lambda: ([2], []))
    assert readahead.take("a") is None
    readahead.submit("b", lambda: ([2], []))
    assert readahead.take("b") == ([2], [])
