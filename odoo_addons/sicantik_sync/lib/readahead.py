"""Read the next batch from SICANTIK while the current one is written.

Why: a batch spends its time in two places that can overlap, MariaDB
(scanning and joining the source tables) and the writing side (checking,
hashing, COPY and the merge in PostgreSQL).  While batch *n* is being
written, one background thread per process reads batch *n + 1* on its own
connection; the next call of the same stream takes it instead of reading.

Why it is safe to read a batch early: a stream batch is the rows with ids
above the stream's watermark; a read-ahead is keyed by exactly that
``(stream, watermark)``, so it is used only if the watermark is still the one
it was read for (otherwise it is dropped).  Rows that change after they were
read are caught like any change after a read (the ``changes`` stream, whose
watermarks are taken before the first import, and the nightly re-check).  A
read-ahead older than ``max_age`` seconds is not used, nor is one that failed
(the batch is then read again, and its error, if any, is raised there).

At most one read-ahead is in flight per process, so memory holds at most one
batch more.  This module imports no Odoo code.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

_lock = threading.Lock()
_pool = None
_pending = {}


def _executor():
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sicantik-ra")
        return _pool


def submit(key, read):
    """Start ``read()`` in the background for ``key`` (replaces any other)."""
    future = _executor().submit(read)
    with _lock:
        for old in _pending.values():
            old[1].cancel()
        _pending.clear()
        _pending[key] = (time.monotonic(), future)
    return future


def take(key, max_age=30.0):
    """The result read ahead for ``key``, or ``None`` (then read it yourself).

    Waits for a read still in flight: it was started earlier, so it finishes
    sooner than a new read would.
    """
    with _lock:
        entry = _pending.pop(key, None)
        if entry is None:
            _pending.clear()
            return None
    started, future = entry
    if time.monotonic() - started > max_age:
        future.cancel()
        return None
    try:
        return future.result(timeout=max_age)
    except Exception:  # noqa: BLE001 - the caller reads again and sees the error
        return None


def clear():
    """Forget every read-ahead (tests, a failed batch)."""
    with _lock:
        for _started, future in _pending.values():
            future.cancel()
        _pending.clear()
