"""The upload engine: encrypt, put, adopt an object already there.

Why a module of its own, without the ORM: storing a version is the same
sequence whether one file comes from the wizard, a cron retries one, or the
folder import sends hundreds in parallel, and that sequence only talks to S3
and to files.  The model builds an :class:`Upload` per pending record and turns
each :class:`Outcome` into a state (stored, postponed, or a source problem); it
never sees an SDK exception.

Every failure is sorted once, in :func:`_attempt`, into three outcomes:

* ``STORED``: the object is in S3 and holds this version (uploaded now, or
  adopted: an earlier attempt for the same record got the object in but
  crashed before its transaction committed).
* ``PENDING``: S3 or the encryption key cannot be used right now, or the key is
  taken by bytes that are not this version.  Nothing is half-written; the
  record waits for the retry cron.  The first outage also marks the whole run
  (:class:`Run`) as down, so later files of the batch wait at once instead of
  each running into the same timeout.
* ``SOURCE``: the local file changed, vanished or cannot be read.  Retrying
  will not help; the caller quarantines or marks the record.

The store and the keyring are not built here: the caller passes factories
(``get_store``/``get_keyring``), called once per run inside that same error
path, so a missing S3 or key configuration postpones uploads exactly as an
outage does.
"""

import concurrent.futures
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

from . import crypto, store

STORED = "stored"
PENDING = "pending"
SOURCE = "source"

#: Failures of the local source: the file, not S3.
_SOURCE_ERRORS = (store.IntegrityError, store.SourceError, OSError)
#: Failures that mean "S3 or the key cannot be used now": retry later.
_SERVICE_ERRORS = (store.StoreError, crypto.CryptoError)


@dataclass(frozen=True)
class Upload:
    """One version to store: where, with which metadata, and its content.

    ``opener()`` returns a new readable file object on the plaintext; it is
    called in a worker thread, so it must not touch a database cursor.
    """

    key: str
    metadata: dict
    sha256: str
    opener: Callable


@dataclass(frozen=True)
class Outcome:
    """What became of one :class:`Upload`.

    ``result``/``key_id`` are set when ``status`` is ``STORED`` (``key_id`` is
    ``False`` for an adopted plaintext object); ``error`` holds the message of
    a ``PENDING`` outcome and the exception of a ``SOURCE`` one.
    """

    status: str
    result: store.PutResult | None = None
    key_id: str | bool = False
    error: object = None


class Run:
    """The services of one batch of uploads, and whether they are down.

    Thread-safe: the parallel workers share one run.  ``down`` holds the
    message of the first outage; once set, the run attempts nothing more.
    """

    def __init__(self, get_store, get_keyring, down=None):
        self._get_store = get_store
        self._get_keyring = get_keyring
        self._lock = threading.Lock()
        self._services = None
        self.down = down

    def _mark_down(self, message):
        with self._lock:
            if not self.down:
                self.down = message

    def services(self):
        """``(store, keyring)``, built on first use; raises a service error."""
        with self._lock:
            if self._services is None:
                keyring = self._get_keyring()
                keyring.current()  # no usable key: fail before any byte moves
                self._services = (self._get_store(), keyring)
            return self._services


def put_encrypted(doc_store, keyring, key, metadata, fh, expected_sha256):
    """Encrypt ``fh`` while streaming it to ``key``; return ``(PutResult, key_id)``.

    The plaintext hash is only known once the last byte went out: an object
    whose plaintext is not ``expected_sha256`` was never referenced and is
    removed again before :class:`~.store.IntegrityError` is raised.
    """
    reader = crypto.EncryptingReader(fh, keyring)
    res = doc_store.put(
        key,
        reader,
        content_type="application/octet-stream",
        metadata=dict(metadata, **{"sicantik-key-id": reader.key_id}),
    )
    if reader.sha256 != expected_sha256:
        doc_store.delete(key)
        raise store.IntegrityError(
            f"source changed: {reader.sha256} != {expected_sha256}"
        )
    return res, reader.key_id


def adopt_existing(doc_store, keyring, key, sha256):
    """The object already under ``key`` when it holds this version, else ``None``.

    The key holds the record's id, so only an earlier attempt for this very
    record can have written it.  Returns ``(PutResult, key_id)``.  An
    encrypted object is decrypted on the way (with the key its metadata names,
    which may predate a rotation): its plaintext must hash to ``sha256``.  A
    plaintext object (an attempt made before every version was encrypted) is
    adopted as it is when its bytes are this version.
    """
    info = doc_store.stat(key)
    if info is None:
        return None
    key_id = info.metadata.get("sicantik-key-id")
    if not key_id:
        sha, size = doc_store.hash_object(key)
        if sha != sha256:
            return None
        res = store.PutResult(key=key, size=size, sha256=sha, etag=None, parts=1)
        return res, False
    stored, plain, size = hashlib.sha256(), hashlib.sha256(), 0

    def tee(chunks):
        nonlocal size
        for data in chunks:
            stored.update(data)
            size += len(data)
            yield data

    try:
        for data in crypto.decrypt_chunks(tee(doc_store.iter_chunks(key)), keyring):
            plain.update(data)
    except crypto.CryptoError:
        return None
    if plain.hexdigest() != sha256:
        return None
    res = store.PutResult(
        key=key, size=size, sha256=stored.hexdigest(), etag=None, parts=1
    )
    return res, key_id


def _attempt(run, item):
    """Store one upload; the one place where failures are sorted."""
    if run.down:
        return Outcome(PENDING, error=run.down)
    try:
        doc_store, keyring = run.services()
        try:
            with item.opener() as fh:
                res, key_id = put_encrypted(
                    doc_store, keyring, item.key, item.metadata, fh, item.sha256
                )
        except store.ObjectExists:
            adopted = adopt_existing(doc_store, keyring, item.key, item.sha256)
            if adopted is None:
                # Not ours to overwrite (keys are immutable) and not a copy of
                # this content: leave it to an administrator, and keep the
                # run going for every other document.
                return Outcome(
                    PENDING,
                    error=f"{item.key}: an object that is not this content is "
                    "already stored under this key",
                )
            res, key_id = adopted
    except _SOURCE_ERRORS as exc:
        return Outcome(SOURCE, error=exc)
    except _SERVICE_ERRORS as exc:
        run._mark_down(str(exc))
        return Outcome(PENDING, error=str(exc))
    return Outcome(STORED, result=res, key_id=key_id)


def upload_many(run, items, workers=4):
    """Store ``items`` with up to ``workers`` threads; outcomes in input order.

    Why threads: each object costs two round trips (the immutability ``stat``,
    then the upload) during which a worker only waits; a few concurrent
    uploads keep S3 busy.  Once the run is down, the remaining items come back
    ``PENDING`` with the outage's message without being attempted.
    """
    items = list(items)
    if len(items) <= 1 or workers <= 1:
        outcomes = [_attempt(run, item) for item in items]
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(lambda item: _attempt(run, item), items))
    if run.down:
        # a file attempted before the outage was seen, and failed on its own
        # (a taken key), still reports the outage: one cause per batch
        outcomes = [
            Outcome(PENDING, error=run.down) if o.status == PENDING else o
            for o in outcomes
        ]
    return outcomes


def upload(run, item):
    """Store one upload (:func:`upload_many` of one)."""
    return _attempt(run, item)
