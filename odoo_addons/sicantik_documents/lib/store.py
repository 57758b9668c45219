"""Immutable, streamed storage of permit documents in S3 (MinIO in production).

Why it looks like this:

* **Immutable keys.**  A permit PDF is evidence: once an officer or the signing
  service has seen a version, its bytes must never change under the same name.
  Keys are ``permits/<permit_id>/<document_id>/v<version>/<sha256>.pdf`` and
  :meth:`DocumentStore.put` refuses a key that already exists (checked with a
  ``stat`` right before the upload; MinIO Object Lock on the bucket closes the
  remaining race in production, see ROADMAP).
* **Bounded memory.**  Signed SKs with attachments reach tens of MB and an Odoo
  worker has a memory limit, so nothing reads a whole file: uploads go through
  the SDK's multipart path with a fixed part size from any object with
  ``read(n)``; SHA-256 and size are computed while the parts are read, and a
  mismatch with the expected hash aborts the multipart upload *before* it is
  completed, so a file that changed between scan and upload never becomes an
  object.  Downloads are a generator of chunks.
* **Garbage is collected, never guessed.**  An upload reaches S3 before the
  Odoo transaction commits, so a rollback leaves an object no record names.
  :meth:`DocumentStore.iter_objects` and :meth:`DocumentStore.delete_many`
  let the Odoo side remove such orphans; deciding *which* keys are orphans
  needs the database and stays there.
* **Typed failures.**  Callers must tell "S3 is down, try again later"
  (:class:`StoreUnavailable`: refused connections, timeouts, HTTP 5xx, S3
  ``SlowDown``) from "this will never work" (anything else), because the first
  leaves the document ``pending_upload`` for the retry cron and the second is a
  bug or a configuration error to show to an administrator.
"""

import contextlib
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import urllib3
from minio.deleteobjects import DeleteObject
from minio.error import InvalidResponseError, S3Error, ServerError

#: Size of each multipart part.  S3 requires >= 5 MiB for every part but the
#: last; 8 MiB keeps the number of requests low while memory stays bounded
#: (the SDK holds about two parts at a time).
DEFAULT_PART_SIZE = 8 * 1024 * 1024
#: Size of the chunks yielded by downloads (and read from files while hashing).
CHUNK_SIZE = 1024 * 1024
#: Presigned links are for a browser that is about to follow them.
DEFAULT_PRESIGN_EXPIRY = timedelta(minutes=5)

#: S3 error codes that mean "the service is overloaded or failing", not "no".
_RETRYABLE_CODES = {
    "InternalError",
    "ServiceUnavailable",
    "SlowDown",
    "RequestTimeout",
    "XMinioServerNotInitialized",
}
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
#: Every document object lives under this prefix (see :func:`object_key`).
DOCUMENTS_PREFIX = "permits/"
_KEY_RE = re.compile(
    "^" + re.escape(DOCUMENTS_PREFIX) + r"(\d+)/(\d+)/v(\d+)/([0-9a-f]{64})\.pdf$"
)


class StoreError(Exception):
    """A failure that retrying will not fix (bad key, refused write, config)."""


class StoreUnavailable(StoreError):
    """S3 cannot be reached or answered 5xx: keep the work and retry later."""


class ObjectExists(StoreError):
    """The key is taken: objects are immutable, a new version needs a new key."""


class ObjectMissing(StoreError):
    """No object under that key (deleted behind our back, or never uploaded)."""


class IntegrityError(StoreError):
    """The bytes do not hash to the SHA-256 the caller expected."""


class SourceError(StoreError):
    """The local source (a file in the upload folder) could not be read."""


@dataclass(frozen=True)
class StoreConfig:
    """The bucket (``s3``: sicantik_base's ``S3Config``) and the transport
    policy of document transfers; secrets come from the deployment."""

    s3: object
    part_size: int = DEFAULT_PART_SIZE
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    retries: int = 1

    @property
    def bucket(self):
        return self.s3.bucket

    @property
    def endpoint(self):
        return self.s3.endpoint

    @property
    def object_lock(self):
        return self.s3.object_lock

    @classmethod
    def from_settings(cls, settings):
        """Build from sicantik_base's ``Settings`` (``SICANTIK_S3_*``)."""
        try:
            s3 = settings.s3()
        except ValueError as exc:  # a required setting is missing
            raise StoreError(str(exc)) from exc
        part_mb = settings.int("s3_part_size_mb", 0)
        return cls(
            s3=s3, part_size=part_mb * 1024 * 1024 if part_mb else DEFAULT_PART_SIZE
        )


@dataclass(frozen=True)
class PutResult:
    """What an upload produced: the object and the hash of the bytes read."""

    key: str
    size: int
    sha256: str
    etag: str | None
    parts: int


@dataclass(frozen=True)
class ObjectInfo:
    """The metadata of a stored object that the integrity checks need."""

    key: str
    size: int
    etag: str | None
    content_type: str | None
    metadata: dict


@dataclass(frozen=True)
class ListedObject:
    """One entry of a bucket listing: enough to tell an orphan by its age."""

    key: str
    size: int
    last_modified: datetime


@dataclass(frozen=True)
class KeyParts:
    """The fields a document key was built from (see :func:`object_key`)."""

    permit_id: int
    document_id: int
    version: int
    sha256: str


def object_key(permit_id, document_id, version, sha256):
    """The immutable key of one document version.

    Permit and document ids come first so that a permit's whole dossier can be
    listed (and replicated, or put under legal hold) by prefix; the hash last so
    that the key itself names the content it must have.
    """
    for name, value in (
        ("permit_id", permit_id),
        ("document_id", document_id),
        ("version", version),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if not isinstance(sha256, str) or not _SHA256_RE.match(sha256):
        raise ValueError(f"sha256 must be 64 lowercase hex digits, got {sha256!r}")
    return f"{DOCUMENTS_PREFIX}{permit_id}/{document_id}/v{version}/{sha256}.pdf"


def parse_key(key):
    """:class:`KeyParts` of a key :func:`object_key` built, else ``None``.

    Garbage collection only ever removes keys this module could have made:
    anything else under the prefix was put there by someone else, on purpose.
    The round trip rejects look-alikes such as ``permits/007/...``.
    """
    match = _KEY_RE.match(key or "")
    if not match:
        return None
    values = (int(match[1]), int(match[2]), int(match[3]), match[4])
    return KeyParts(*values) if object_key(*values) == key else None


class HashingReader:
    """Wrap a file object: hash and count what is read, check the hash at EOF.

    The check at end-of-file is what lets :meth:`DocumentStore.put` abort a
    multipart upload before completing it: the SDK reads the last part (and
    sees EOF) before it sends ``CompleteMultipartUpload``.
    """

    def __init__(self, fileobj, expected_sha256=None, max_size=None):
        self._fileobj = fileobj
        self._expected = expected_sha256
        self._max_size = max_size
        self._hash = hashlib.sha256()
        self.size = 0
        self.eof = False

    @property
    def sha256(self):
        return self._hash.hexdigest()

    def read(self, size=-1):  # pylint: disable=method-required-super
        try:
            data = self._fileobj.read(size)
        except OSError as exc:
            # not S3's fault: must not be mistaken for StoreUnavailable
            raise SourceError(f"source unreadable: {exc.strerror or exc}") from exc
        if data:
            self._hash.update(data)
            self.size += len(data)
            if self._max_size is not None and self.size > self._max_size:
                raise IntegrityError(
                    f"source grew beyond the expected {self._max_size} bytes"
                )
            return data
        if not self.eof:
            self.eof = True
            if self._expected and self.sha256 != self._expected:
                raise IntegrityError(
                    f"source changed: SHA-256 {self.sha256} read, "
                    f"{self._expected} expected"
                )
        return b""


def hash_file(fileobj, chunk_size=CHUNK_SIZE):
    """Return ``(sha256_hex, size)`` of a file object, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    while True:
        data = fileobj.read(chunk_size)
        if not data:
            break
        digest.update(data)
        size += len(data)
    return digest.hexdigest(), size


def _is_unavailable(exc):
    """Tell "retry later" failures from permanent ones (see module docstring)."""
    if isinstance(exc, ServerError):
        return True
    if isinstance(exc, InvalidResponseError):
        # non-XML answers: proxies and gateways in front of MinIO (502/503/504)
        code = getattr(exc, "_code", None) or 0
        return code >= 500 or code == 0
    if isinstance(exc, S3Error):
        return exc.code in _RETRYABLE_CODES
    return isinstance(
        exc,
        urllib3.exceptions.HTTPError | ConnectionError | TimeoutError | OSError,
    )


class DocumentStore:
    """A bucket of immutable document objects.

    One instance per process is enough (the urllib3 pool is thread-safe); it
    holds no state but the connection pool.
    """

    def __init__(self, config, client):
        self.config = config
        self.bucket = config.bucket
        self.part_size = config.part_size
        self.client = client
        self._bucket_checked = False

    @classmethod
    def from_settings(cls, settings, config=None):
        """A store whose client comes from sicantik_base's one S3 factory
        (``settings.s3_client``), with the transfers' timeouts and retries."""
        config = config or StoreConfig.from_settings(settings)
        client = settings.s3_client(
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            retries=config.retries,
        )
        return cls(config, client)

    # ------------------------------------------------------------ plumbing
    def _call(self, what, func, *args, **kwargs):
        """Run one SDK call and translate its failures into our error types."""
        with self._translated(what):
            return func(*args, **kwargs)

    @contextlib.contextmanager
    def _translated(self, what):
        """Translate SDK failures raised inside the block into our error types.

        A context manager rather than a wrapper because listings and bulk
        deletes are lazy: their requests run while the caller iterates.
        """
        try:
            yield
        except StoreError:
            raise
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                raise ObjectMissing(f"{what}: no such object") from exc
            if _is_unavailable(exc):
                raise StoreUnavailable(f"{what}: S3 busy ({exc.code})") from exc
            raise StoreError(f"{what}: S3 refused ({exc.code}: {exc.message})") from exc
        except Exception as exc:
            if _is_unavailable(exc):
                raise StoreUnavailable(
                    f"{what}: S3 at {self.config.endpoint} unavailable "
                    f"({type(exc).__name__})"
                ) from exc
            raise

    def ensure_bucket(self):
        """Create the bucket when missing (first start, a fresh MinIO)."""
        if self._bucket_checked:
            return
        if not self._call("bucket check", self.client.bucket_exists, self.bucket):
            try:
                self._call(
                    "bucket creation",
                    self.client.make_bucket,
                    self.bucket,
                    object_lock=self.config.object_lock,
                )
            except StoreError as exc:
                # another worker created it between the check and our call
                cause = exc.__cause__
                if not (
                    isinstance(cause, S3Error)
                    and cause.code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists")
                ):
                    raise
        self._bucket_checked = True

    def ping(self):
        """Raise :class:`StoreUnavailable` unless S3 answers (health checks)."""
        self._call("ping", self.client.bucket_exists, self.bucket)
        return True

    # ---------------------------------------------------------------- read
    def stat(self, key):
        """Return :class:`ObjectInfo`, or ``None`` when there is no such object."""
        try:
            res = self._call("stat", self.client.stat_object, self.bucket, key)
        except ObjectMissing:
            return None
        meta = {
            k.lower()[len("x-amz-meta-") :]: v
            for k, v in (res.metadata or {}).items()
            if k.lower().startswith("x-amz-meta-")
        }
        return ObjectInfo(
            key=key,
            size=res.size,
            etag=res.etag,
            content_type=res.content_type,
            metadata=meta,
        )

    def exists(self, key):
        return self.stat(key) is not None

    def iter_chunks(self, key, expected_sha256=None, chunk_size=CHUNK_SIZE):
        """Yield the object's bytes in chunks; verify the hash at the end.

        A hash mismatch can only be known after the last byte, so it raises
        :class:`IntegrityError` after the data has been yielded: a web download
        is then cut short (the browser sees a failed transfer), and the
        integrity cron flags the record.
        """
        response = self._call("download", self.client.get_object, self.bucket, key)
        digest = hashlib.sha256()
        try:
            try:
                for data in response.stream(chunk_size):
                    digest.update(data)
                    yield data
            except urllib3.exceptions.HTTPError as exc:
                raise StoreUnavailable(f"download of {key} interrupted") from exc
        finally:
            response.close()
            response.release_conn()
        if expected_sha256 and digest.hexdigest() != expected_sha256:
            raise IntegrityError(
                f"{key}: SHA-256 {digest.hexdigest()} read, {expected_sha256} expected"
            )

    def hash_object(self, key):
        """Return ``(sha256_hex, size)`` of the stored bytes, streamed."""
        digest = hashlib.sha256()
        size = 0
        for data in self.iter_chunks(key):
            digest.update(data)
            size += len(data)
        return digest.hexdigest(), size

    def presigned_url(self, key, expires=DEFAULT_PRESIGN_EXPIRY, filename=None):
        """A short-lived GET link, for large unencrypted files only.

        The link bypasses Odoo (no access check, no audit at fetch time), so the
        caller checks access and writes the audit event before handing it out.
        """
        headers = {"response-content-type": "application/pdf"}
        if filename:
            safe = re.sub(r"[^\w. -]", "_", filename)
            headers["response-content-disposition"] = f'attachment; filename="{safe}"'
        return self._call(
            "presign",
            self.client.presigned_get_object,
            self.bucket,
            key,
            expires=expires,
            response_headers=headers,
        )

    # --------------------------------------------------------------- write
    def put(
        self,
        key,
        fileobj,
        expected_sha256=None,
        content_type="application/pdf",
        metadata=None,
    ):
        """Upload a stream under a new key; refuse when the key exists.

        ``fileobj`` only needs ``read(n)``.  When ``expected_sha256`` is given,
        a different hash aborts the upload (:class:`IntegrityError`) and nothing
        is stored.  Returns :class:`PutResult` with the hash of what was read.
        """
        self.ensure_bucket()
        if self.stat(key) is not None:
            raise ObjectExists(f"{key} exists: stored objects are never overwritten")
        reader = HashingReader(fileobj, expected_sha256)
        result = self._call(
            "upload",
            self.client.put_object,
            self.bucket,
            key,
            reader,
            length=-1,
            part_size=self.part_size,
            content_type=content_type,
            metadata=metadata or None,
        )
        parts = max(1, -(-reader.size // self.part_size))
        return PutResult(
            key=key,
            size=reader.size,
            sha256=reader.sha256,
            etag=getattr(result, "etag", None),
            parts=parts,
        )

    def put_file(self, key, path, expected_sha256=None, **kwargs):
        """:meth:`put` from a path on disk, opened read-only."""
        with open(path, "rb") as fh:
            return self.put(key, fh, expected_sha256=expected_sha256, **kwargs)

    def delete(self, key):
        """Remove an object: only for objects no record points to (GC, tests)."""
        self._call("delete", self.client.remove_object, self.bucket, key)

    # ----------------------------------------------------- garbage collection
    def iter_objects(self, prefix=DOCUMENTS_PREFIX, start_after=None):
        """Yield a :class:`ListedObject` per object under ``prefix``, key order.

        Lazy: the SDK asks S3 for one page (1000 keys) at a time as the caller
        consumes, so a bucket of millions never sits in memory, and
        ``start_after`` lets a batched caller resume where it stopped.  A
        bucket that does not exist yet holds nothing, which is not an error.
        """
        listing = self.client.list_objects(
            self.bucket, prefix=prefix, recursive=True, start_after=start_after
        )
        while True:
            try:
                with self._translated("listing"):
                    obj = next(listing, None)
            except StoreError as exc:
                cause = exc.__cause__
                if isinstance(cause, S3Error) and cause.code == "NoSuchBucket":
                    return
                raise
            if obj is None:
                return
            if obj.is_dir:
                continue
            yield ListedObject(obj.object_name, obj.size or 0, obj.last_modified)

    def delete_many(self, keys):
        """Remove objects in bulk; return ``{key: reason}`` of those refused.

        S3 answers a multi-object delete per key: one key protected by a
        bucket policy (``AccessDenied``) must not keep the others, nor hide
        them, so refusals are returned for the caller to report.  A failure of
        the request itself (S3 down, wrong credentials) still raises.  On a
        versioned (Object Lock) bucket a delete only adds a delete marker and
        the locked bytes stay until their retention ends.
        """
        keys = list(keys)
        if not keys:
            return {}
        refused = {}
        errors = self.client.remove_objects(
            self.bucket, (DeleteObject(key) for key in keys)
        )
        with self._translated("bulk delete"):
            for error in errors:
                refused[error.name] = f"{error.code}: {error.message or ''}".strip()
        return refused
