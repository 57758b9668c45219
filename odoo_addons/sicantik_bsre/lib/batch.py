"""Sign many documents for one official: v2 batch calls, several in parallel.

Why chunks *and* threads: one v2 call with 100 files is one long request —
BSrE signs them one after another and a failure or timeout hits all 100 (and
the batch semantics of the real service are unconfirmed,
``docs/reference/bsre.md#batches``), while 100 one-file calls in series pay
the round trip 100 times.  Chunks of a few
files sent by a small pool of threads keep the wall time near the slowest
chunk, and bound what a single failure (or an unknown outcome) affects.  v1 has
no batch: chunks are then one file each.

Why results are yielded, not collected: the Odoo layer must write each result
in its *own* thread (the ORM cursor is not thread-safe), as soon as it arrives,
so that a crash later in the batch does not lose evidence of what was signed.
Worker threads only do HTTP.

Why a wrong passphrase or an inactive certificate stops the batch: every
following chunk would fail the same way, and repeated wrong passphrases may
lock the official's certificate.  Chunks not yet started are reported as
``skipped`` (nothing was sent for them).

The passphrase is an argument of :func:`sign_batch` and lives only in its frame
and in the closure run by the workers until the generator is exhausted.
"""

import logging
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from .errors import BsreError, CertificateNotActive, OutcomeUnknown, WrongPassphrase

_log = logging.getLogger(__name__)

#: Errors after which sending further chunks is pointless or harmful.
STOP_ERRORS = (WrongPassphrase, CertificateNotActive)

#: Files per v2 call and calls in flight: 10 x 10 puts a 100-document batch on
#: the wire at once, so the gateway's latency is paid once and not once per
#: wave of calls (``tests/bench/bench_sign.py`` measures these values; the
#: addon's ``batch_chunk_size``/``batch_workers`` parameters default to them).
DEFAULT_CHUNK_SIZE = 10
DEFAULT_WORKERS = 10


@dataclass
class ItemResult:
    """Outcome for one input document (``key`` is the caller's identifier)."""

    key: object
    state: str  # "signed", "failed", "outcome_unknown", "skipped"
    signed: bytes | None = field(default=None, repr=False)
    error: BsreError | None = None
    id_dokumen: str | None = None
    warning: str | None = None


def chunked(items, size):
    size = max(1, int(size))
    return [items[i : i + size] for i in range(0, len(items), size)]


def sign_batch(
    client,
    items,
    nik,
    passphrase,
    properties=None,
    chunk_size=DEFAULT_CHUNK_SIZE,
    workers=DEFAULT_WORKERS,
    totp=None,
):
    """Yield :class:`ItemResult` per document as chunks complete.

    ``items`` is a list of ``(key, pdf_bytes)``; ``properties`` is one
    :class:`~.client.SignatureProperties` or a callable ``key -> properties``.
    With a one-time code (``totp``) every document goes in one call: the code
    is single-use and bound to the number of files it was requested for.
    """
    if client.api_version == "v1":
        chunk_size = 1
    if totp:
        chunk_size, workers = max(1, len(items)), 1
    chunks = chunked(list(items), chunk_size)
    stop = threading.Event()

    def props_for(chunk):
        if callable(properties):
            return [properties(key) for key, _data in chunk]
        return properties

    def run(chunk):
        if stop.is_set():
            return None
        result = client.sign(
            [data for _key, data in chunk],
            nik,
            passphrase,
            props_for(chunk),
            totp=totp,
        )
        return result

    pending = {}
    queue = list(chunks)
    with ThreadPoolExecutor(max_workers=max(1, int(workers))) as pool:
        while queue or pending:
            while queue and len(pending) < max(1, int(workers)) and not stop.is_set():
                chunk = queue.pop(0)
                pending[pool.submit(run, chunk)] = chunk
            if not pending:
                break
            done, _rest = wait(list(pending), return_when=FIRST_COMPLETED)
            for future in done:
                chunk = pending.pop(future)
                yield from _chunk_results(future, chunk, stop)
        for chunk in queue:  # never started
            for key, _data in chunk:
                yield ItemResult(key, "skipped")


def _chunk_results(future, chunk, stop):
    try:
        result = future.result()
    except OutcomeUnknown as exc:
        for key, _data in chunk:
            yield ItemResult(key, "outcome_unknown", error=exc)
        return
    except BsreError as exc:
        if isinstance(exc, STOP_ERRORS):
            stop.set()
        for key, _data in chunk:
            yield ItemResult(key, "failed", error=exc)
        return
    if result is None:  # stopped before sending
        for key, _data in chunk:
            yield ItemResult(key, "skipped")
        return
    for (key, _data), signed in zip(chunk, result.files, strict=True):
        yield ItemResult(
            key,
            "signed",
            signed=signed,
            id_dokumen=result.id_dokumen,
            warning=result.warning,
        )
