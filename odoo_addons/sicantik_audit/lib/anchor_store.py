"""Anchors and archives of the audit chain in S3 / MinIO.

Why anchors: the hash chain proves that nobody edited the trail *unless* the
editor also recomputed every later hash — which an administrator with database
access can do.  A small checkpoint object written every day to S3 — the head's
sequence number and hash, signed with a key the database does not hold — cannot
be rewritten from the database: a rewritten chain no longer matches yesterday's
anchor.  Where the bucket has S3 Object Lock enabled (MinIO with
``--with-lock``), objects are written with a COMPLIANCE retention, so not even
the S3 administrator can overwrite them before the date; servers without Object
Lock (SeaweedFS in the test stack, plain MinIO buckets) get the same objects
without retention, and ``put`` reports ``locked: False`` so the UI and the
report say so.

Archives are gzip'ed JSON lines, one event per line with its ``prev_hash`` and
``hash``, written by the retention job before rows leave PostgreSQL.

Nothing here imports Odoo; the store receives sicantik_base's settings object,
whose S3 factory builds the client.
"""

import gzip
import hashlib
import hmac
import io
import json
from datetime import datetime, timedelta, timezone

from . import chain

ANCHOR_TYPE = "sicantik-audit-anchor"


class AnchorStore:
    """S3 objects of one database's audit trail, under ``prefix``."""

    def __init__(self, client, bucket, prefix="audit", object_lock=False):
        if not bucket:
            raise ValueError("S3 endpoint, keys and bucket are required")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.object_lock = object_lock
        self._lock_supported = None
        self._bucket_checked = False

    @classmethod
    def from_settings(cls, settings, prefix, timeout=10):
        """Build from sicantik_base's ``Settings``: the client comes from its
        one S3 factory (two retries of a 5xx: an anchor is small and daily)."""
        config = settings.s3()
        client = settings.s3_client(
            connect_timeout=timeout, read_timeout=timeout, retries=2
        )
        return cls(client, config.bucket, prefix=prefix, object_lock=config.object_lock)

    def key(self, *parts):
        return "/".join((self.prefix, *parts))

    def ensure_bucket(self):
        """Create the bucket (shared with the documents) when the anchor or an
        archive is the first object ever written: with Object Lock when
        ``s3_object_lock`` is set, since a bucket only gets it at creation."""
        if self._bucket_checked:
            return
        if not self.client.bucket_exists(self.bucket):
            from minio.error import S3Error

            try:
                self.client.make_bucket(self.bucket, object_lock=self.object_lock)
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        self._bucket_checked = True

    def lock_supported(self):
        """Whether the bucket has Object Lock enabled (asked once)."""
        if self._lock_supported is None:
            try:
                self.client.get_object_lock_config(self.bucket)
                self._lock_supported = True
            except Exception:  # noqa: BLE001 - not configured / not implemented
                self._lock_supported = False
        return self._lock_supported

    def put_bytes(self, key, data, content_type, retain_days=None):
        """Write an object; with retention where the bucket supports it.

        Returns ``{"key", "etag", "version_id", "locked", "retain_until"}``.
        """
        from minio.commonconfig import COMPLIANCE
        from minio.error import S3Error
        from minio.retention import Retention

        self.ensure_bucket()
        retention = None
        until = None
        if retain_days and self.lock_supported():
            until = datetime.now(timezone.utc) + timedelta(days=int(retain_days))
            retention = Retention(COMPLIANCE, until)
        try:
            result = self.client.put_object(
                self.bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                retention=retention,
            )
        except S3Error as exc:
            if retention is None or exc.code not in (
                "InvalidRequest",
                "NotImplemented",
                "InvalidArgument",
                "ObjectLockConfigurationNotFoundError",
            ):
                raise
            self._lock_supported = False
            retention = until = None
            result = self.client.put_object(
                self.bucket, key, io.BytesIO(data), len(data), content_type=content_type
            )
        return {
            "key": key,
            "etag": result.etag,
            "version_id": result.version_id,
            "locked": retention is not None,
            "retain_until": until.isoformat() if until else None,
        }

    def get_bytes(self, key, version_id=None):
        response = self.client.get_object(self.bucket, key, version_id=version_id)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def list_keys(self, *parts):
        prefix = self.key(*parts) + "/"
        return sorted(
            obj.object_name
            for obj in self.client.list_objects(self.bucket, prefix, recursive=True)
        )

    def list_versions(self, *parts):
        """Every version of every object under ``parts``, grouped by key.

        Why versions and not keys: in a versioned (Object Lock) bucket a PUT
        to an existing key adds a newer version that a plain GET returns, and
        a DELETE adds a delete marker that hides the key from a plain listing;
        the locked version is still there and is what counts.  Returns
        ``(key, version_id, is_delete_marker)`` tuples; on an unversioned
        bucket each key has one version (``version_id`` None or "null").
        """
        prefix = self.key(*parts) + "/"
        found = [
            (obj.object_name, obj.version_id, bool(obj.is_delete_marker))
            for obj in self.client.list_objects(
                self.bucket, prefix, recursive=True, include_version=True
            )
        ]
        # Stable: the versions of one key keep the server's (newest first) order.
        found.sort(key=lambda item: item[0])
        return found

    def versioning_enabled(self):
        """Whether the bucket keeps object versions (Object Lock implies it)."""
        try:
            config = self.client.get_bucket_versioning(self.bucket)
        except Exception:  # noqa: BLE001 - not implemented by the server
            return False
        return config.status == "Enabled"

    # ----------------------------------------------------------------- anchors
    def put_anchor(self, payload, hmac_key=None, retain_days=None):
        """Write an anchor; ``payload`` needs ``sequence`` and ``hash``."""
        document = seal_anchor(payload, hmac_key)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        key = self.key("anchors", f"{stamp}-{int(payload['sequence']):012d}.json")
        data = json.dumps(document, sort_keys=True, indent=1).encode("utf-8")
        info = self.put_bytes(key, data, "application/json", retain_days)
        info["digest"] = document["digest"]
        return info

    def get_anchor(self, key, version_id=None):
        return json.loads(self.get_bytes(key, version_id))

    # ---------------------------------------------------------------- archives
    def put_archive(self, name, rows, retain_days=None, folder="archive"):
        """Write rows (``chain.ROW_FIELDS`` tuples) as ``.jsonl.gz``.

        Returns the put info plus ``sha256`` (of the compressed object) and
        ``count``.
        """
        data, count = encode_archive(rows)
        info = self.put_bytes(
            self.key(folder, name), data, "application/gzip", retain_days
        )
        info.update(sha256=hashlib.sha256(data).hexdigest(), count=count)
        return info


def _anchor_body(payload):
    body = {k: v for k, v in payload.items() if k not in ("digest", "hmac")}
    body.setdefault("type", ANCHOR_TYPE)
    return body


def seal_anchor(payload, hmac_key=None):
    """Add ``digest`` (SHA-256 of the canonical body) and ``hmac`` if keyed."""
    body = _anchor_body(payload)
    raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")
    document = dict(body, digest=hashlib.sha256(raw).hexdigest())
    if hmac_key:
        document["hmac"] = hmac.new(
            hmac_key.encode("utf-8"), raw, hashlib.sha256
        ).hexdigest()
    return document


def check_anchor(document, hmac_key=None):
    """Return None if the anchor object is intact, else the reason."""
    body = _anchor_body(document)
    raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")
    if hashlib.sha256(raw).hexdigest() != document.get("digest"):
        return "anchor digest mismatch"
    if hmac_key:
        expected = hmac.new(hmac_key.encode("utf-8"), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, document.get("hmac") or ""):
            return "anchor signature mismatch"
    return None


def encode_archive(rows):
    """Gzip'ed JSON lines of event rows; returns ``(bytes, count)``."""
    buffer = io.BytesIO()
    count = 0
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz:
        for row in rows:
            line = json.dumps(chain.row_to_dict(row), ensure_ascii=False)
            gz.write(line.encode("utf-8") + b"\n")
            count += 1
    return buffer.getvalue(), count


def decode_archive(data):
    """Yield event rows (``chain.ROW_FIELDS`` tuples) from archive bytes."""
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
        for line in gz:
            if line.strip():
                yield chain.dict_to_row(json.loads(line))


def verify_archive(data, expected_sha256, start_sequence, start_hash, end_hash=None):
    """Check an archive object against its checkpoint.

    The object's SHA-256 must match, its rows must chain on from
    ``start_sequence``/``start_hash`` and end at ``end_hash``.  Returns a
    ``chain.VerifyResult`` (``broken_sequence`` is the first bad event, or the
    first sequence of the archive when the file itself was replaced).
    """
    if expected_sha256 and hashlib.sha256(data).hexdigest() != expected_sha256:
        result = chain.verify_rows(decode_archive(data), start_sequence, start_hash)
        if result.ok:
            result = chain.VerifyResult(
                False,
                result.checked,
                start_sequence,
                start_hash,
                start_sequence + 1,
                "archive checksum mismatch",
            )
        return result
    result = chain.verify_rows(decode_archive(data), start_sequence, start_hash)
    if result.ok and end_hash and result.last_hash != end_hash:
        return chain.VerifyResult(
            False,
            result.checked,
            result.last_sequence,
            result.last_hash,
            result.last_sequence,
            "archive does not end at the checkpoint hash",
        )
    return result
